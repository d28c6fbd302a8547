// Plenum's dial-in PIN directory IQ (urn:plenum:dial-in:0), answered by the focus.
export { NS_PLENUM_DIAL_IN, DIAL_IN_LIMITS } from './dial-in-types.ts';
export type { DialInQuery, DialInQueryByPin, DialInQueryByRoom, DialInResult, DialInCodecError, DialInCodecErrorCode } from './dial-in-types.ts';
export { decodeDialInQuery, encodeDialInQuery, decodeDialInResult, encodeDialInResult, isDialInPin } from './dial-in-iq.ts';
