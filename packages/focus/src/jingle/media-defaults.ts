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

/** Deeply frozen, so that one built list can be shared by every offer and allocation. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The lists depend only on a few booleans: each is built once per combination and the same frozen
 * array is handed out after that (every offer and COLIBRI2 allocation used to rebuild them).
 */
function memoByFlags<T>(build: (key: number) => T): (key: number) => T {
  const cache = new Map<number, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = deepFreeze(build(key))));
    return v;
  };
}

const flag = (b: boolean, bit: number): number => (b ? bit : 0);
const TCC = 1, REMB = 2, RTX = 4, RED = 8;
const featuresOfKey = (k: number): MediaFeatures =>
  ({ hasTcc: (k & TCC) !== 0, hasRemb: (k & REMB) !== 0, hasRtx: (k & RTX) !== 0, hasOpusRed: (k & RED) !== 0 });

const audioPayloadTypesMemo = memoByFlags((k) => buildAudioPayloadTypes(featuresOfKey(k), (k & RED) !== 0));
const videoPayloadTypesMemo = memoByFlags((k) => buildVideoPayloadTypes(featuresOfKey(k)));
const audioHeaderExtensionsMemo = memoByFlags((k) => buildAudioHeaderExtensions(featuresOfKey(k)));
const videoHeaderExtensionsMemo = memoByFlags((k) => buildVideoHeaderExtensions(featuresOfKey(k)));

/** Audio payload types: [red], opus, telephone-event (shared and frozen). */
export const audioPayloadTypes = (f: MediaFeatures, offerRed: boolean): readonly PayloadType[] =>
  audioPayloadTypesMemo(flag(f.hasTcc, TCC) | flag(offerRed && f.hasOpusRed, RED));

/** Video payload types: AV1, VP8, H264, VP9 and their RTX (shared and frozen). */
export const videoPayloadTypes = (f: MediaFeatures): readonly PayloadType[] =>
  videoPayloadTypesMemo(flag(f.hasTcc, TCC) | flag(f.hasRemb, REMB) | flag(f.hasRtx, RTX));

/** Audio header extensions: ssrc-audio-level 1, sdes:mid 10, transport-cc 5 (shared and frozen). */
export const audioHeaderExtensions = (f: MediaFeatures): readonly HeaderExtension[] => audioHeaderExtensionsMemo(flag(f.hasTcc, TCC));

/** Video header extensions: dependency descriptor 11, abs-send-time 3, sdes:mid 10, transport-cc 5 (shared and frozen). */
export const videoHeaderExtensions = (f: MediaFeatures): readonly HeaderExtension[] => videoHeaderExtensionsMemo(flag(f.hasTcc, TCC));

function buildAudioPayloadTypes(f: MediaFeatures, offerRed: boolean): PayloadType[] {
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

function buildVideoPayloadTypes(f: MediaFeatures): PayloadType[] {
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

function buildAudioHeaderExtensions(f: MediaFeatures): HeaderExtension[] {
  return [
    { id: 1, uri: HDREXT.audioLevel },
    { id: 10, uri: HDREXT.mid },
    ...(f.hasTcc ? [{ id: 5, uri: HDREXT.transportCc }] : []),
  ];
}

function buildVideoHeaderExtensions(f: MediaFeatures): HeaderExtension[] {
  return [
    { id: 11, uri: HDREXT.dependencyDescriptor },
    { id: 3, uri: HDREXT.absSendTime },
    { id: 10, uri: HDREXT.mid },
    ...(f.hasTcc ? [{ id: 5, uri: HDREXT.transportCc }] : []),
  ];
}
