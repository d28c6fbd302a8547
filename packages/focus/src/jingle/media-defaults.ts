// The codec and header-extension table every participant and the bridge share (protocols.md §2.2,
// §10: "all endpoints must share one table — reuse jicofo's defaults"). Pure data built per
// client's features: RTX, transport-cc and REMB feedback, opus RED are offered only to clients that
// advertise them (jicofo CodecUtil).
import type { HeaderExtension, PayloadType, RtcpFeedback } from '@plenum/xmpp/codec';

/** XEP-0294 header extension URIs. */
export const HDREXT = {
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  dependencyDescriptor: 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension',
} as const;

/** Jicofo's default payload type numbers. */
export const PT = {
  opus: 111, red: 112, telephoneEvent: 126,
  vp8: 100, vp8Rtx: 96, vp9: 101, vp9Rtx: 97, h264: 107, h264Rtx: 99, av1: 41, av1Rtx: 42,
} as const;

/** What a client can do that changes the offer (from its disco#info, protocols.md §2.1). */
export type MediaFeatures = {
  readonly hasRtx: boolean;
  readonly hasTcc: boolean;
  readonly hasRemb: boolean;
  readonly hasOpusRed: boolean;
};

const fb = (type: string, subtype?: string): RtcpFeedback => (subtype === undefined ? { type } : { type, subtype });
const pt = (id: number, name: string, clockrate: number, extra: Partial<Omit<PayloadType, 'id' | 'name' | 'clockrate'>> = {}): PayloadType =>
  ({ id, name, clockrate, parameters: [], rtcpFeedback: [], ...extra });

/** Audio payload types: [red], opus, telephone-event. */
export function audioPayloadTypes(f: MediaFeatures, offerRed: boolean): PayloadType[] {
  const red = offerRed && f.hasOpusRed;
  const out: PayloadType[] = [];
  // RFC 2198: RED before opus so it is the codec chosen; fmtp "111/111" names opus as primary and redundant encoding.
  if (red) out.push(pt(PT.red, 'red', 48000, { channels: 2, parameters: [{ name: '', value: `${PT.opus}/${PT.opus}` }] }));
  out.push(pt(PT.opus, 'opus', 48000, {
    channels: 2,
    // Opus is signalled with 2 channels whatever 'stereo' says; no in-band FEC on top of RED.
    parameters: [{ name: 'minptime', value: '10' }, ...(red ? [] : [{ name: 'useinbandfec', value: '1' }])],
    rtcpFeedback: f.hasTcc ? [fb('transport-cc')] : [],
  }));
  out.push(pt(PT.telephoneEvent, 'telephone-event', 8000));
  return out;
}

/** Video payload types: AV1, VP8, H264, VP9 and their RTX. */
export function videoPayloadTypes(f: MediaFeatures): PayloadType[] {
  const feedback = [fb('ccm', 'fir'), fb('nack'), fb('nack', 'pli'), ...(f.hasRemb ? [fb('goog-remb')] : []), ...(f.hasTcc ? [fb('transport-cc')] : [])];
  const rtxFeedback = [fb('ccm', 'fir'), fb('nack'), fb('nack', 'pli')];
  const rtx = (id: number, apt: number, withFeedback: boolean): PayloadType =>
    pt(id, 'rtx', 90000, { parameters: [{ name: 'apt', value: String(apt) }], rtcpFeedback: withFeedback ? rtxFeedback : [] });
  return [
    pt(PT.av1, 'AV1', 90000, { rtcpFeedback: feedback }),
    pt(PT.vp8, 'VP8', 90000, { rtcpFeedback: feedback }),
    // COMPAT(old Chrome): the encoding name must be upper case for H264 to be enabled.
    pt(PT.h264, 'H264', 90000, {
      rtcpFeedback: feedback,
      parameters: [{ name: 'profile-level-id', value: '42e01f' }, { name: 'level-asymmetry-allowed', value: '1' }, { name: 'packetization-mode', value: '1' }],
    }),
    pt(PT.vp9, 'VP9', 90000, { rtcpFeedback: feedback }),
    ...(f.hasRtx ? [rtx(PT.av1Rtx, PT.av1, true), rtx(PT.vp8Rtx, PT.vp8, true), rtx(PT.vp9Rtx, PT.vp9, true), rtx(PT.h264Rtx, PT.h264, false)] : []),
  ];
}

/** Audio header extensions: ssrc-audio-level 1, sdes:mid 10, transport-cc 5. */
export function audioHeaderExtensions(f: MediaFeatures): HeaderExtension[] {
  return [
    { id: 1, uri: HDREXT.audioLevel },
    { id: 10, uri: HDREXT.mid },
    ...(f.hasTcc ? [{ id: 5, uri: HDREXT.transportCc }] : []),
  ];
}

/** Video header extensions: dependency descriptor 11, abs-send-time 3, sdes:mid 10, transport-cc 5. */
export function videoHeaderExtensions(f: MediaFeatures): HeaderExtension[] {
  return [
    { id: 11, uri: HDREXT.dependencyDescriptor },
    { id: 3, uri: HDREXT.absSendTime },
    { id: 10, uri: HDREXT.mid },
    ...(f.hasTcc ? [{ id: 5, uri: HDREXT.transportCc }] : []),
  ];
}
