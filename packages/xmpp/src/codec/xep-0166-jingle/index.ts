export type {
  JingleAction, CodecParameter, RtcpFeedback, PayloadType, HeaderExtension, VideoType, MediaSource, SourceGroup,
  RtpDescription, IceCandidate, DtlsFingerprint, SctpMap, IceUdpTransport, JingleContent, JingleReasonCondition,
  BridgeSession, EndpointSources, Jingle,
} from './jingle-types.ts';
export {
  NS_JINGLE, NS_JINGLE_RTP, NS_JINGLE_RTCP_FB, NS_JINGLE_RTP_HDREXT, NS_JINGLE_ICE_UDP, NS_JINGLE_DTLS,
  NS_JINGLE_DTLS_SCTP, NS_JINGLE_SSMA, NS_JINGLE_GROUPING, NS_JITSI_MEET, NS_COLIBRI_WS,
  decodeJingle, encodeJingle,
} from './jingle.ts';
export type { JingleError, JingleErrorCode, JingleLimits } from './jingle.ts';
export { DEFAULT_MAX_SOURCES } from './jingle-error.ts';
export {
  decodeRtpDescription, encodeRtpDescription, decodePayloadType, encodePayloadType, decodeHeaderExtension,
  encodeHeaderExtension, decodeMediaSource, encodeMediaSource, decodeSourceGroup, encodeSourceGroup,
} from './rtp-description.ts';
export { decodeIceUdpTransport, encodeIceUdpTransport, decodeIceCandidate, encodeIceCandidate } from './ice-udp-transport.ts';
export { decodeJsonSources, encodeJsonSources } from './json-sources.ts';
export {
  sourcesOfContent, ssrcsOf, toEndpointSources, validateOwnSources, addSourcesToContents, EMPTY_ENDPOINT_SOURCES,
} from './sources.ts';
export type { OwnSourceLimits } from './sources.ts';
