import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import type {
  CodecParameter, HeaderExtension, MediaSource, PayloadType, RtcpFeedback, RtpDescription, SourceGroup, VideoType,
} from './jingle-types.ts';
import type { JingleError, JingleLimits, SourceBudget } from './jingle-error.ts';
import { jingleError, newSourceBudget, takeGroupRefs, takeSource } from './jingle-error.ts';
import { NS_JINGLE_RTCP_FB, NS_JINGLE_RTP, NS_JINGLE_RTP_HDREXT, NS_JINGLE_SSMA, NS_JITSI_MEET } from './namespaces.ts';
import { parseInteger, parseSsrc } from './parse-attrs.ts';

// XEP-0167 §4 `<description>` with XEP-0293 rtcp-fb, XEP-0294 rtp-hdrext / extmap-allow-mixed and
// XEP-0339 sources and groups, plus Jitsi's `<ssrc-info owner>` (protocols.md §2.2). Elements in
// other namespaces are ignored (extensions); malformed known elements are typed errors.

/** An element in namespace `ns`, written either with that xmlns or inheriting it (no xmlns). */
const inherits = (e: El, ns: string): boolean => e.attrs.xmlns === undefined || e.attrs.xmlns === ns;

const HDREXT_SENDERS: ReadonlySet<string> = new Set(['both', 'initiator', 'responder', 'none']);
const GROUP_SEMANTICS: ReadonlySet<string> = new Set(['SIM', 'FID', 'FEC-FR']);

/** `<parameter name value>`: a missing name is '' (jicofo writes RED's `111/111` without one). */
function decodeParameter(p: El): CodecParameter {
  return { name: p.attrs.name ?? '', value: p.attrs.value ?? '' };
}

function encodeParameter(p: CodecParameter): El {
  return el('parameter', { name: p.name === '' ? undefined : p.name, value: p.value });
}

/** XEP-0293 §4 `<rtcp-fb type subtype>`. */
function decodeRtcpFeedback(f: El): Result<RtcpFeedback, JingleError> {
  const type = f.attrs.type;
  if (type === undefined || type === '') return jingleError('jingle/bad-payload-type', 'rtcp-fb without type');
  return ok(f.attrs.subtype === undefined ? { type } : { type, subtype: f.attrs.subtype });
}

/** Reads one `<payload-type>` (XEP-0167 §5): id 0–127, name, clockrate required; channels optional. */
export function decodePayloadType(pt: El): Result<PayloadType, JingleError> {
  const id = parseInteger(pt.attrs.id, 0, 127);
  if (id === undefined) return jingleError('jingle/bad-payload-type', `bad payload-type id "${pt.attrs.id ?? ''}"`);
  const name = pt.attrs.name;
  if (name === undefined || name === '') return jingleError('jingle/bad-payload-type', `payload-type ${id} has no name`);
  const clockrate = parseInteger(pt.attrs.clockrate, 1, 0x7fff_ffff);
  if (clockrate === undefined) return jingleError('jingle/bad-payload-type', `payload-type ${id} has a bad clockrate`);
  let channels: number | undefined;
  if (pt.attrs.channels !== undefined) {
    channels = parseInteger(pt.attrs.channels, 1, 255);
    if (channels === undefined) return jingleError('jingle/bad-payload-type', `payload-type ${id} has bad channels`);
  }
  const parameters: CodecParameter[] = [];
  const rtcpFeedback: RtcpFeedback[] = [];
  for (const c of pt.children) {
    if (typeof c === 'string') continue;
    if (c.name === 'parameter' && inherits(c, NS_JINGLE_RTP)) parameters.push(decodeParameter(c));
    else if (c.name === 'rtcp-fb' && c.attrs.xmlns === NS_JINGLE_RTCP_FB) {
      const fb = decodeRtcpFeedback(c);
      if (!fb.ok) return fb;
      rtcpFeedback.push(fb.value);
    }
  }
  return ok({ id, name, clockrate, ...(channels !== undefined ? { channels } : {}), parameters, rtcpFeedback });
}

function payloadTypeEl(p: PayloadType, withNs: boolean): El {
  return el('payload-type',
    { xmlns: withNs ? NS_JINGLE_RTP : undefined, id: p.id, name: p.name, clockrate: p.clockrate, channels: p.channels },
    p.parameters.map(encodeParameter),
    p.rtcpFeedback.map((f) => el('rtcp-fb', { xmlns: NS_JINGLE_RTCP_FB, type: f.type, subtype: f.subtype })));
}

/** Writes a standalone `<payload-type xmlns="urn:xmpp:jingle:apps:rtp:1">` (e.g. inside COLIBRI2 `<media>`). */
export const encodePayloadType = (p: PayloadType): El => payloadTypeEl(p, true);

/** Reads one XEP-0294 `<rtp-hdrext id uri senders>`; ids 1–255 (one- and two-byte forms). */
export function decodeHeaderExtension(h: El): Result<HeaderExtension, JingleError> {
  const id = parseInteger(h.attrs.id, 1, 255);
  if (id === undefined) return jingleError('jingle/bad-header-extension', `bad rtp-hdrext id "${h.attrs.id ?? ''}"`);
  const uri = h.attrs.uri;
  if (uri === undefined || uri === '') return jingleError('jingle/bad-header-extension', `rtp-hdrext ${id} has no uri`);
  const senders = h.attrs.senders;
  if (senders === undefined) return ok({ id, uri });
  if (!HDREXT_SENDERS.has(senders)) return jingleError('jingle/bad-header-extension', `rtp-hdrext ${id} has bad senders`);
  return ok({ id, uri, senders: senders as NonNullable<HeaderExtension['senders']> });
}

/** Writes `<rtp-hdrext xmlns id uri senders>`. */
export function encodeHeaderExtension(h: HeaderExtension): El {
  return el('rtp-hdrext', { xmlns: NS_JINGLE_RTP_HDREXT, id: h.id, uri: h.uri, senders: h.senders });
}

/**
 * Reads one XEP-0339 `<source ssrc name videoType>`: the `msid` parameter becomes `msid`, other
 * parameters are kept, and Jitsi's `<ssrc-info owner>` becomes `owner`.
 */
export function decodeMediaSource(s: El): Result<MediaSource, JingleError> {
  const ssrc = parseSsrc(s.attrs.ssrc);
  if (ssrc === undefined) return jingleError('jingle/bad-source', `bad ssrc "${s.attrs.ssrc ?? ''}"`);
  const videoType = s.attrs.videoType;
  if (videoType !== undefined && videoType !== 'camera' && videoType !== 'desktop') {
    return jingleError('jingle/bad-source', `source ${ssrc} has unknown videoType "${videoType}"`);
  }
  let msid: string | undefined;
  let owner: string | undefined;
  const parameters: CodecParameter[] = [];
  for (const c of s.children) {
    if (typeof c === 'string') continue;
    if (c.name === 'parameter' && inherits(c, NS_JINGLE_SSMA)) {
      const p = decodeParameter(c);
      if (p.name === 'msid' && msid === undefined) msid = p.value;
      else parameters.push(p);
    } else if (c.name === 'ssrc-info' && c.attrs.xmlns === NS_JITSI_MEET && owner === undefined) {
      owner = c.attrs.owner;
    }
  }
  return ok({
    ssrc,
    ...(s.attrs.name !== undefined ? { name: s.attrs.name } : {}),
    ...(msid !== undefined ? { msid } : {}),
    ...(videoType !== undefined ? { videoType: videoType as VideoType } : {}),
    ...(owner !== undefined ? { owner } : {}),
    ...(s.attrs.rid !== undefined ? { rid: s.attrs.rid } : {}),
    parameters,
  });
}

/** Writes `<source xmlns=ssma ssrc name videoType rid>` with msid parameter and ssrc-info owner. */
export function encodeMediaSource(s: MediaSource): El {
  return el('source', { xmlns: NS_JINGLE_SSMA, ssrc: s.ssrc, name: s.name, videoType: s.videoType, rid: s.rid },
    s.msid !== undefined && el('parameter', { name: 'msid', value: s.msid }),
    s.parameters.map(encodeParameter),
    s.owner !== undefined && el('ssrc-info', { xmlns: NS_JITSI_MEET, owner: s.owner }));
}

/** Reads one XEP-0339 `<ssrc-group semantics>` (SIM, FID, FEC-FR) and its `<source ssrc>` members. */
export const decodeSourceGroup = (g: El, limits: JingleLimits = {}): Result<SourceGroup, JingleError> =>
  sourceGroupWithin(g, newSourceBudget(limits));

function sourceGroupWithin(g: El, budget: SourceBudget): Result<SourceGroup, JingleError> {
  const semantics = g.attrs.semantics ?? '';
  if (!GROUP_SEMANTICS.has(semantics)) return jingleError('jingle/bad-group', `unknown ssrc-group semantics "${semantics}"`);
  const ssrcs: number[] = [];
  for (const c of g.children) {
    if (typeof c === 'string' || c.name !== 'source' || !inherits(c, NS_JINGLE_SSMA)) continue;
    if (!takeGroupRefs(budget, 1)) return jingleError('jingle/too-many-sources', 'too many ssrc-group members');
    const ssrc = parseSsrc(c.attrs.ssrc);
    if (ssrc === undefined) return jingleError('jingle/bad-source', `bad ssrc "${c.attrs.ssrc ?? ''}" in ssrc-group`);
    ssrcs.push(ssrc);
  }
  return ok({ semantics: semantics as SourceGroup['semantics'], ssrcs });
}

/** Writes `<ssrc-group xmlns=ssma semantics>` with one `<source ssrc>` per member. */
export function encodeSourceGroup(g: SourceGroup): El {
  return el('ssrc-group', { xmlns: NS_JINGLE_SSMA, semantics: g.semantics }, g.ssrcs.map((ssrc) => el('source', { ssrc })));
}

/**
 * Reads an RTP `<description media="audio|video">`. Duplicate payload-type ids, header-extension
 * ids or SSRCs within one description are errors. RID-only `<source rid>` elements and
 * `<rid-group>` (RID simulcast, unused by Jitsi's bridge) are skipped.
 */
export const decodeRtpDescription = (d: El, limits: JingleLimits = {}): Result<RtpDescription, JingleError> =>
  rtpDescriptionWithin(d, newSourceBudget(limits));

/** decodeRtpDescription sharing one source budget with the rest of a Jingle element (internal). */
export function rtpDescriptionWithin(d: El, budget: SourceBudget): Result<RtpDescription, JingleError> {
  const media = d.attrs.media;
  if (media !== 'audio' && media !== 'video') return jingleError('jingle/bad-content', `unsupported media "${media ?? ''}"`);
  let maxPtimeMs: number | undefined;
  if (d.attrs.maxptime !== undefined) {
    maxPtimeMs = parseInteger(d.attrs.maxptime, 1, 0x7fff_ffff);
    if (maxPtimeMs === undefined) return jingleError('jingle/bad-content', 'bad maxptime');
  }
  const payloadTypes: PayloadType[] = [];
  const headerExtensions: HeaderExtension[] = [];
  const sources: MediaSource[] = [];
  const sourceGroups: SourceGroup[] = [];
  const ptIds = new Set<number>();
  const extIds = new Set<number>();
  const ssrcs = new Set<number>();
  let extmapAllowMixed = false;
  let rtcpMux = false;
  for (const c of d.children) {
    if (typeof c === 'string') continue;
    const ns = c.attrs.xmlns;
    if (c.name === 'payload-type' && inherits(c, NS_JINGLE_RTP)) {
      const pt = decodePayloadType(c);
      if (!pt.ok) return pt;
      if (ptIds.has(pt.value.id)) return jingleError('jingle/bad-payload-type', `duplicate payload-type id ${pt.value.id}`);
      ptIds.add(pt.value.id);
      payloadTypes.push(pt.value);
    } else if (c.name === 'rtp-hdrext' && ns === NS_JINGLE_RTP_HDREXT) {
      const h = decodeHeaderExtension(c);
      if (!h.ok) return h;
      if (extIds.has(h.value.id)) return jingleError('jingle/bad-header-extension', `duplicate rtp-hdrext id ${h.value.id}`);
      extIds.add(h.value.id);
      headerExtensions.push(h.value);
    } else if (c.name === 'extmap-allow-mixed' && ns === NS_JINGLE_RTP_HDREXT) {
      extmapAllowMixed = true;
    } else if (c.name === 'rtcp-mux' && inherits(c, NS_JINGLE_RTP)) {
      rtcpMux = true;
    } else if (c.name === 'source' && ns === NS_JINGLE_SSMA) {
      if (c.attrs.ssrc === undefined && c.attrs.rid !== undefined) continue;
      if (!takeSource(budget)) return jingleError('jingle/too-many-sources', `more than ${budget.maxSources} sources`);
      const s = decodeMediaSource(c);
      if (!s.ok) return s;
      if (ssrcs.has(s.value.ssrc)) return jingleError('jingle/bad-source', `duplicate ssrc ${s.value.ssrc}`);
      ssrcs.add(s.value.ssrc);
      sources.push(s.value);
    } else if (c.name === 'ssrc-group' && ns === NS_JINGLE_SSMA) {
      const g = sourceGroupWithin(c, budget);
      if (!g.ok) return g;
      sourceGroups.push(g.value);
    }
  }
  return ok({
    media, payloadTypes, headerExtensions, extmapAllowMixed, rtcpMux, sources, sourceGroups,
    ...(maxPtimeMs !== undefined ? { maxPtimeMs } : {}),
  });
}

/** Writes `<description xmlns="urn:xmpp:jingle:apps:rtp:1" media maxptime>`. */
export function encodeRtpDescription(d: RtpDescription): El {
  return el('description', { xmlns: NS_JINGLE_RTP, media: d.media, maxptime: d.maxPtimeMs },
    d.payloadTypes.map((p) => payloadTypeEl(p, false)),
    d.headerExtensions.map(encodeHeaderExtension),
    d.extmapAllowMixed && el('extmap-allow-mixed', { xmlns: NS_JINGLE_RTP_HDREXT }),
    d.rtcpMux && el('rtcp-mux'),
    d.sources.map(encodeMediaSource),
    d.sourceGroups.map(encodeSourceGroup));
}
