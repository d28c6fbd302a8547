// @plenum/srtp: SRTP for RTP with node:crypto directly, shared by the bridge and the werift legs.
export { REPLAY_WINDOW_SIZE, ReplayWindow, guessRolloverCounter } from './replay-window.ts';
export type { ReplayVerdict } from './replay-window.ts';
export { rtpHeaderLength, rtpPayloadEnd } from './rtp-header-length.ts';
export { RtpSrtpSession, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from './rtp-srtp-session.ts';
export type { RtpSrtpLimits, SrtpRefusal, SrtpSessionKeys } from './rtp-srtp-session.ts';
export { CmRtpDecryptor, GcmRtpDecryptor } from './srtp-rtp-decryptor.ts';
export type { RtpDecryptor } from './srtp-rtp-decryptor.ts';
export { CmRtpEncryptor, GcmRtpEncryptor } from './srtp-rtp-encryptor.ts';
export type { RtpEncryptor } from './srtp-rtp-encryptor.ts';
export { cmSessionKeys, gcmSessionKeys, writeCmCounter, writeGcmIv } from './srtp-packet-keys.ts';
export type { CmSessionKeys, GcmSessionKeys } from './srtp-packet-keys.ts';
export { WeriftSrtpAdapter, adapterFor, useNodeCryptoSrtp } from './werift-srtp.ts';
export type { PlainRtpHandler } from './werift-srtp.ts';
export { DirectSrtpPath, isSrtpDatagram, takeSrtpDatagrams } from './werift-direct-path.ts';
