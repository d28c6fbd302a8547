// @plenum/e2ee: end-to-end encryption of meetings, WebCrypto only (browser, worker, Node).
export type { DecryptResult, DropReason, FrameKind } from './frame-crypto.ts';
export { DROP_REASONS, DropCounter, FrameEncryptor, IV_BYTES, TAG_BYTES, clearBytesOf, decryptFrame } from './frame-crypto.ts';
export { FrameKeys } from './frame-keys.ts';
export type { E2eeErrorCode, Identity, MediaKeyMessage, PairSecrets } from './key-exchange.ts';
export {
  E2EE_MESSAGE_TYPE, E2EE_PROTOCOL_VERSION, decodeMediaKeyMessage, derivePairSecrets, fromBase64, generateIdentity, openMediaKey, readIdentityKey, sealMediaKey, toBase64,
} from './key-exchange.ts';
export type { MediaKey, MediaKeyBits } from './key-ring.ts';
export { KEY_MATERIAL_BYTES, KEY_RING_SIZE, KeyRing, MAX_RATCHET_AHEAD, deriveMediaKey, freshMaterial, ratchetMaterial } from './key-ring.ts';
export type { KeySessionDeps, PeerKeyState } from './key-session.ts';
export { FRESH_KEY_DELAY_MS, KeySession } from './key-session.ts';
export type { E2eePresence } from './presence.ts';
export { PROP_E2EE_ENABLED, PROP_E2EE_ID_KEY, PROP_E2EE_ROOM, e2eePresenceElements, readE2eePresence } from './presence.ts';
export type { RoomE2eeState } from './room-state.ts';
export { ROOM_E2EE_OFF, changedRoomE2ee, mergeRoomE2ee, readRoomE2ee, writeRoomE2ee } from './room-state.ts';
export type { SasEmoji } from './sas.ts';
export { SAS_EMOJI_COUNT, sasEmoji } from './sas.ts';
