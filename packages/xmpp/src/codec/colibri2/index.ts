// COLIBRI2 (focus ↔ bridge, protocols.md §3) and bridge discovery stats (§4).
export { NS_COLIBRI2 } from './colibri2-types.ts';
export type {
  Colibri2Media, Colibri2MediaSource, Colibri2Transport, Colibri2Endpoint, ConferenceModify, ConferenceModified,
  Colibri2ErrorReason, BridgeStats,
} from './colibri2-types.ts';
export {
  COLIBRI2_LIMITS, encodeColibri2Error, encodeColibri2ErrorEndpoint, decodeColibri2ErrorReason, decodeColibri2ErrorEndpointId,
} from './colibri2-error.ts';
export type { Colibri2Error, Colibri2ErrorCode } from './colibri2-error.ts';
export { decodeConferenceModify, encodeConferenceModify, decodeConferenceModified, encodeConferenceModified } from './conference-modify.ts';
export { NS_COLIBRI_STATS, NS_HEALTHCHECK, decodeBridgeStats, encodeBridgeStats } from './bridge-stats.ts';
