// @plenum/focus: the conference focus. Public API re-exports only.
export { startFocus, focusSettings, randomIds } from './start.ts';
export type { StartFocusOptions, RunningFocus } from './start.ts';
export { Focus } from './focus.ts';
export type { FocusDeps, FocusSettings, FocusStats } from './focus.ts';
export { focusConfigSpec, loadFocusConfig } from './config.ts';
export type { FocusConfig } from './config.ts';
export { FocusError, isFocusError } from './errors.ts';
export type { FocusErrorCode } from './errors.ts';
export type { StanzaChannel, BridgeControl, BridgeAddress, BridgeFailure, TokenVerifier, VerifiedToken, TokenError, Ids, RequestOptions } from './ports.ts';
export { tokenVerifierFrom, tokenVerifierForConfig } from './auth/jwt-token-verifier.ts';
export type { ClaimsVerifier } from './auth/jwt-token-verifier.ts';
export { selectBridge, correctedStress } from './bridges/bridge-selector.ts';
export type { BridgeCandidate, SelectionRequest, SelectionOptions, Selection } from './bridges/bridge-selector.ts';
export { MemoryStateStore } from './state/memory-state-store.ts';
export { RedisStateStore } from './state/redis-state-store.ts';
export type { RedisStateStoreOptions } from './state/redis-state-store.ts';
export type { FocusStateStore, ConferenceRecord, ParticipantRecord, StoredConference, StateStoreEvents } from './state/state-store.ts';
