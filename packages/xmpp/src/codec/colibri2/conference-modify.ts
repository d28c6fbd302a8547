// COLIBRI2 `conference-modify` (focus → bridge) and `conference-modified` (bridge → focus),
// protocols.md §3; element and attribute spellings from jitsi-xmpp-extensions `colibri2/*`.
import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import type { HeaderExtension, IceUdpTransport, MediaSource, PayloadType, SourceGroup } from '../xep-0166-jingle/jingle-types.ts';
import {
  NS_JINGLE_ICE_UDP, NS_JINGLE_RTP, NS_JINGLE_RTP_HDREXT, NS_JINGLE_SSMA, decodeHeaderExtension, decodeIceUdpTransport,
  decodeMediaSource, decodePayloadType, decodeSourceGroup, encodeHeaderExtension, encodeIceUdpTransport, encodeMediaSource,
  encodePayloadType, encodeSourceGroup,
} from '../xep-0166-jingle/index.ts';
import type {
  Colibri2Endpoint, Colibri2Media, Colibri2MediaSource, Colibri2Transport, ConferenceModified, ConferenceModify,
} from './colibri2-types.ts';
import { NS_COLIBRI2 } from './colibri2-types.ts';
import type { Colibri2Error } from './colibri2-error.ts';
import { COLIBRI2_LIMITS, colibri2Fail } from './colibri2-error.ts';
import { checkCount, elementsOf, opt, optionalBool, optionalInt, optionalOneOf, required, requiredOneOf } from './internal/read.ts';

// The embedded Jingle pieces (payload types, header extensions, sources, groups, the ICE-UDP
// transport) are the Jingle codec's; their failures pass through with their `jingle/*` codes.
// Counts are checked here first, since those decoders do not cap every list.

const MEDIA_TYPES = ['audio', 'video'] as const;
const SCTP_ROLES = ['client', 'server'] as const;

/** Fails unless `e` is `<name xmlns="jitsi:colibri2">` (the namespace may be inherited: pass the parent's). */
function expect(e: El, name: string, parentNs: string): Result<void, Colibri2Error> {
  const ns = e.attrs.xmlns ?? parentNs;
  return e.name === name && ns === NS_COLIBRI2
    ? ok(undefined)
    : colibri2Fail('colibri2/unexpected-element', `expected {${NS_COLIBRI2}}${name}, got {${ns}}${e.name}`);
}

/** Caps the `<parameter>`s and `<rtcp-fb>`s of a payload type or source. */
function checkParameters(e: El): Result<void, Colibri2Error> {
  const params = checkCount(e, 'parameter', COLIBRI2_LIMITS.parameters);
  return params.ok ? checkCount(e, 'rtcp-fb', COLIBRI2_LIMITS.parameters) : params;
}

/** `<media type>`: payload types, header extensions, `extmap-allow-mixed`. */
function decodeMedia(e: El): Result<Colibri2Media, Colibri2Error> {
  const type = requiredOneOf(e, 'type', MEDIA_TYPES);
  if (!type.ok) return type;
  const ptCount = checkCount(e, 'payload-type', COLIBRI2_LIMITS.payloadTypes);
  if (!ptCount.ok) return ptCount;
  const hdrCount = checkCount(e, 'rtp-hdrext', COLIBRI2_LIMITS.headerExtensions);
  if (!hdrCount.ok) return hdrCount;
  const payloadTypes: PayloadType[] = [];
  const headerExtensions: HeaderExtension[] = [];
  let extmapAllowMixed = false;
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.el.name === 'payload-type' && c.ns === NS_JINGLE_RTP) {
      const params = checkParameters(c.el);
      if (!params.ok) return params;
      const r = decodePayloadType(c.el);
      if (!r.ok) return r;
      payloadTypes.push(r.value);
    } else if (c.el.name === 'rtp-hdrext' && c.ns === NS_JINGLE_RTP_HDREXT) {
      const r = decodeHeaderExtension(c.el);
      if (!r.ok) return r;
      headerExtensions.push(r.value);
    } else if (c.el.name === 'extmap-allow-mixed' && c.ns === NS_JINGLE_RTP_HDREXT) {
      extmapAllowMixed = true;
    }
  }
  return ok({ type: type.value, payloadTypes, headerExtensions, extmapAllowMixed });
}

function encodeMedia(m: Colibri2Media): El {
  return el('media', { type: m.type },
    m.payloadTypes.map(encodePayloadType),
    m.headerExtensions.map(encodeHeaderExtension),
    m.extmapAllowMixed ? el('extmap-allow-mixed', { xmlns: NS_JINGLE_RTP_HDREXT }) : undefined);
}

/** `<sources>` of `<media-source type id synthetic>`, each with ssma sources and groups. */
function decodeSources(e: El): Result<Colibri2MediaSource[], Colibri2Error> {
  const msCount = checkCount(e, 'media-source', COLIBRI2_LIMITS.mediaSources);
  if (!msCount.ok) return msCount;
  // One budget for the whole <sources>, checked before any source is decoded.
  let total = 0;
  for (const c of e.children) {
    if (typeof c === 'string' || c.name !== 'media-source') continue;
    for (const s of c.children) if (typeof s !== 'string' && (s.name === 'source' || s.name === 'ssrc-group')) total++;
  }
  if (total > COLIBRI2_LIMITS.sources) {
    return colibri2Fail('colibri2/too-many', `<sources> has ${total} sources and groups (at most ${COLIBRI2_LIMITS.sources})`);
  }
  const out: Colibri2MediaSource[] = [];
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.el.name !== 'media-source' || c.ns !== NS_COLIBRI2) continue;
    const type = requiredOneOf(c.el, 'type', MEDIA_TYPES);
    if (!type.ok) return type;
    const id = required(c.el, 'id');
    if (!id.ok) return id;
    const synthetic = optionalBool(c.el, 'synthetic');
    if (!synthetic.ok) return synthetic;
    const sources: MediaSource[] = [];
    const sourceGroups: SourceGroup[] = [];
    for (const s of elementsOf(c.el, NS_COLIBRI2)) {
      if (s.ns !== NS_JINGLE_SSMA) continue;
      if (s.el.name === 'source') {
        const params = checkParameters(s.el);
        if (!params.ok) return params;
        const r = decodeMediaSource(s.el);
        if (!r.ok) return r;
        sources.push(r.value);
      } else if (s.el.name === 'ssrc-group') {
        const members = checkCount(s.el, 'source', COLIBRI2_LIMITS.groupSsrcs);
        if (!members.ok) return members;
        const r = decodeSourceGroup(s.el);
        if (!r.ok) return r;
        sourceGroups.push(r.value);
      }
    }
    out.push({ type: type.value, id: id.value, sources, sourceGroups, ...opt('synthetic', synthetic.value) });
  }
  return ok(out);
}

function encodeSources(sources: readonly Colibri2MediaSource[]): El {
  return el('sources', {}, sources.map((m) => el('media-source', { type: m.type, id: m.id, synthetic: m.synthetic },
    m.sources.map(encodeMediaSource), m.sourceGroups.map(encodeSourceGroup))));
}

/** `<transport ice-controlling use-unique-port ice-restart>` with `<sctp port role>` and the ICE-UDP transport. */
function decodeTransport(e: El): Result<Colibri2Transport, Colibri2Error> {
  const iceControlling = optionalBool(e, 'ice-controlling');
  if (!iceControlling.ok) return iceControlling;
  const useUniquePort = optionalBool(e, 'use-unique-port');
  if (!useUniquePort.ok) return useUniquePort;
  const iceRestart = optionalBool(e, 'ice-restart');
  if (!iceRestart.ok) return iceRestart;
  let sctp: { port?: number; role?: 'client' | 'server' } | undefined;
  let iceUdp: IceUdpTransport | undefined;
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.el.name === 'sctp' && c.ns === NS_COLIBRI2 && sctp === undefined) {
      const port = optionalInt(c.el, 'port', 0, 65535);
      if (!port.ok) return port;
      const role = optionalOneOf(c.el, 'role', SCTP_ROLES);
      if (!role.ok) return role;
      sctp = { ...opt('port', port.value), ...opt('role', role.value) };
    } else if (c.el.name === 'transport' && c.ns === NS_JINGLE_ICE_UDP && iceUdp === undefined) {
      for (const name of ['candidate', 'fingerprint'] as const) {
        const count = checkCount(c.el, name, COLIBRI2_LIMITS.candidates);
        if (!count.ok) return count;
      }
      const r = decodeIceUdpTransport(c.el);
      if (!r.ok) return r;
      iceUdp = r.value;
    }
  }
  return ok({
    ...opt('iceControlling', iceControlling.value), ...opt('useUniquePort', useUniquePort.value),
    ...opt('iceRestart', iceRestart.value), ...opt('sctp', sctp), ...opt('iceUdp', iceUdp),
  });
}

function encodeTransport(t: Colibri2Transport): El {
  return el('transport', { 'ice-controlling': t.iceControlling, 'use-unique-port': t.useUniquePort, 'ice-restart': t.iceRestart },
    t.iceUdp !== undefined ? encodeIceUdpTransport(t.iceUdp) : undefined,
    t.sctp !== undefined ? el('sctp', { port: t.sctp.port, role: t.sctp.role }) : undefined);
}

/** `<endpoint id stats-id muc-role create expire>` and its children. */
function decodeEndpoint(e: El): Result<Colibri2Endpoint, Colibri2Error> {
  const id = required(e, 'id');
  if (!id.ok) return id;
  const create = optionalBool(e, 'create');
  if (!create.ok) return create;
  const expire = optionalBool(e, 'expire');
  if (!expire.ok) return expire;
  const mediaCount = checkCount(e, 'media', COLIBRI2_LIMITS.media);
  if (!mediaCount.ok) return mediaCount;
  const capCount = checkCount(e, 'capability', COLIBRI2_LIMITS.capabilities);
  if (!capCount.ok) return capCount;
  const media: Colibri2Media[] = [];
  const capabilities: string[] = [];
  let transport: Colibri2Transport | undefined;
  let sources: Colibri2MediaSource[] | undefined;
  let forceMute: { audio: boolean; video: boolean } | undefined;
  let initialLastN: number | undefined;
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.ns !== NS_COLIBRI2) continue;
    switch (c.el.name) {
      case 'media': {
        const r = decodeMedia(c.el);
        if (!r.ok) return r;
        media.push(r.value);
        break;
      }
      case 'transport': {
        if (transport !== undefined) break;
        const r = decodeTransport(c.el);
        if (!r.ok) return r;
        transport = r.value;
        break;
      }
      case 'sources': {
        if (sources !== undefined) break;
        const r = decodeSources(c.el);
        if (!r.ok) return r;
        sources = r.value;
        break;
      }
      case 'force-mute': {
        const audio = optionalBool(c.el, 'audio');
        if (!audio.ok) return audio;
        const video = optionalBool(c.el, 'video');
        if (!video.ok) return video;
        forceMute = { audio: audio.value ?? false, video: video.value ?? false };
        break;
      }
      case 'capability': {
        const name = required(c.el, 'name');
        if (!name.ok) return name;
        capabilities.push(name.value);
        break;
      }
      case 'initial-last-n': {
        // -1 is "no limit" in Jitsi's last-N.
        const value = optionalInt(c.el, 'value', -1, 0x7fff_ffff);
        if (!value.ok) return value;
        if (value.value === undefined) return colibri2Fail('colibri2/missing-attribute', '<initial-last-n> needs value');
        initialLastN = value.value;
        break;
      }
      default:
        break;
    }
  }
  return ok({
    id: id.value, ...opt('statsId', e.attrs['stats-id']), ...opt('mucRole', e.attrs['muc-role']),
    ...opt('create', create.value), ...opt('expire', expire.value), media, ...opt('transport', transport),
    ...opt('sources', sources), ...opt('forceMute', forceMute), capabilities, ...opt('initialLastN', initialLastN),
  });
}

function encodeEndpoint(ep: Colibri2Endpoint): El {
  return el('endpoint', { id: ep.id, 'stats-id': ep.statsId, 'muc-role': ep.mucRole, create: ep.create, expire: ep.expire },
    ep.media.map(encodeMedia),
    ep.transport !== undefined ? encodeTransport(ep.transport) : undefined,
    ep.sources !== undefined ? encodeSources(ep.sources) : undefined,
    ep.forceMute !== undefined ? el('force-mute', { audio: ep.forceMute.audio, video: ep.forceMute.video }) : undefined,
    ep.capabilities.map((name) => el('capability', { name })),
    ep.initialLastN !== undefined ? el('initial-last-n', { value: ep.initialLastN }) : undefined);
}

/** Every `<endpoint>` child, after the count check. */
function decodeEndpoints(e: El): Result<Colibri2Endpoint[], Colibri2Error> {
  const count = checkCount(e, 'endpoint', COLIBRI2_LIMITS.endpoints);
  if (!count.ok) return count;
  const out: Colibri2Endpoint[] = [];
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.el.name !== 'endpoint' || c.ns !== NS_COLIBRI2) continue;
    const r = decodeEndpoint(c.el);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/** Reads the `<conference-modify xmlns="jitsi:colibri2">` payload of an IQ set; never throws. */
export function decodeConferenceModify(e: El): Result<ConferenceModify, Colibri2Error> {
  const is = expect(e, 'conference-modify', '');
  if (!is.ok) return is;
  const meetingId = required(e, 'meeting-id');
  if (!meetingId.ok) return meetingId;
  const create = optionalBool(e, 'create');
  if (!create.ok) return create;
  const expire = optionalBool(e, 'expire');
  if (!expire.ok) return expire;
  const rtcstatsEnabled = optionalBool(e, 'rtcstats-enabled');
  if (!rtcstatsEnabled.ok) return rtcstatsEnabled;
  const endpoints = decodeEndpoints(e);
  if (!endpoints.ok) return endpoints;
  const unsupported = [...new Set(elementsOf(e, NS_COLIBRI2).filter((c) => c.ns === NS_COLIBRI2 && c.el.name !== 'endpoint').map((c) => c.el.name))];
  return ok({
    meetingId: meetingId.value, ...opt('name', e.attrs.name), ...opt('create', create.value), ...opt('expire', expire.value),
    ...opt('rtcstatsEnabled', rtcstatsEnabled.value), endpoints: endpoints.value,
    ...opt('unsupported', unsupported.length > 0 ? unsupported : undefined),
  });
}

/** Writes a conference-modify payload (put it in an IQ set to the bridge's brewery occupant JID). */
export function encodeConferenceModify(m: ConferenceModify): El {
  return el('conference-modify', {
    xmlns: NS_COLIBRI2, 'meeting-id': m.meetingId, name: m.name, 'rtcstats-enabled': m.rtcstatsEnabled, create: m.create, expire: m.expire,
  }, m.endpoints.map(encodeEndpoint));
}

/** Reads the `<conference-modified xmlns="jitsi:colibri2">` payload of an IQ result; never throws. */
export function decodeConferenceModified(e: El): Result<ConferenceModified, Colibri2Error> {
  const is = expect(e, 'conference-modified', '');
  if (!is.ok) return is;
  const endpoints = decodeEndpoints(e);
  if (!endpoints.ok) return endpoints;
  let sources: Colibri2MediaSource[] | undefined;
  for (const c of elementsOf(e, NS_COLIBRI2)) {
    if (c.el.name !== 'sources' || c.ns !== NS_COLIBRI2 || sources !== undefined) continue;
    const r = decodeSources(c.el);
    if (!r.ok) return r;
    sources = r.value;
  }
  return ok({ ...opt('meetingId', e.attrs['meeting-id']), endpoints: endpoints.value, ...opt('sources', sources) });
}

/** Writes a conference-modified payload (JVB sends no meeting-id; it is written only when set). */
export function encodeConferenceModified(m: ConferenceModified): El {
  return el('conference-modified', { xmlns: NS_COLIBRI2, 'meeting-id': m.meetingId },
    m.endpoints.map(encodeEndpoint),
    m.sources !== undefined ? encodeSources(m.sources) : undefined);
}
