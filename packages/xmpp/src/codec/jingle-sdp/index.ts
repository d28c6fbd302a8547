// Jingle ⇄ SDP (unified plan), shared by meet-web (browser), the recorder and the SIP gateway (Node).
// Pure and browser-safe: no I/O, no node: imports, no Buffer; bad input gives a typed SdpError.
export type { SdpError, SdpErrorCode } from './sdp-error.ts';
export { sdpError } from './sdp-error.ts';
export type {
  Sdp, SdpAttribute, SdpCandidate, SdpDirection, SdpFmtpParameter, SdpLine, SdpLineOf, SdpMedia, SdpOrigin, SdpSetupRole,
} from './sdp.ts';
export { MAX_SDP_CHARS, MAX_SDP_LINES, firstSdpLine, sdpLinesOf, sdpMediaDirection, sdpMediaMid, parseSdp, writeSdp } from './sdp.ts';
export type { JingleSdpSession, JingleToSdpOptions } from './jingle-to-sdp.ts';
export { jingleToSdp } from './jingle-to-sdp.ts';
export type { SdpJingle, SdpToJingleOptions } from './sdp-to-jingle.ts';
export { sdpToJingle } from './sdp-to-jingle.ts';
export type { SdpAuthor, JingleSenders } from './senders.ts';
export { directionFromSenders, sendersFromDirection } from './senders.ts';
export type { SourceTrack } from './source-tracks.ts';
export { RECEIVE_SLOT_MID_PREFIX, groupSourcesIntoTracks, isMixedSource, receiveSlotMid, receiveSlotNumber } from './source-tracks.ts';
