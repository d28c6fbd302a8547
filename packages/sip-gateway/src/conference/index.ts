// The SIP gateway's conference side: one ConferenceLeg per call joins the room through the focus and
// carries the call's audio to and from the bridge.
export { ConferenceLeg, DEFAULT_LEG_TIMEOUTS } from './conference-leg.ts';
export type { ConferenceChannel, ConferenceLegDeps, ConferenceLegEvents, ConferenceLegParams, ConferenceLegTimeouts } from './conference-leg.ts';
export { LegError, isConferenceLegError, sipStatusFor } from './conference-leg-error.ts';
export type { ConferenceLegError, ConferenceLegErrorCode } from './conference-leg-error.ts';
export type { AudioPeerOptions } from './audio-peer.ts';
export type { LegE2eeStats, LegKeysLimits } from './leg-keys.ts';
export { audioLevelOf, SILENT_LEVEL } from './audio-level.ts';
export { FEATURE_JIGASI } from './leg-presence.ts';
