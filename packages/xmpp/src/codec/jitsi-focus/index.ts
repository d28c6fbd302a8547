export { NS_FOCUS, NS_MUTE_AUDIO, NS_MUTE_VIDEO, NS_MUTE_DESKTOP } from './focus-types.ts';
export type { ConferenceRequest, ConferenceResponse, MuteRequest } from './focus-types.ts';
export type { FocusCodecError, FocusCodecErrorCode } from './focus-codec-error.ts';
export { decodeConferenceRequest, encodeConferenceRequest, decodeConferenceResponse, encodeConferenceResponse } from './conference-iq.ts';
export { decodeMuteRequest, encodeMuteRequest } from './mute-iq.ts';
export { NS_JITSI_START_MUTED, decodeStartMuted, encodeStartMuted } from './start-muted.ts';
export type { StartMuted } from './start-muted.ts';
