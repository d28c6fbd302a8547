// Decoder and encoder of the bridge channel's JSON messages (protocols.md §5). The decoder checks
// the raw text's length and nesting before JSON.parse (so a hostile peer cannot make it build huge
// or deeply nested values, which would also break re-serialising a relayed payload), never throws,
// reads only own properties (no prototype lookups on attacker-chosen keys), ignores unknown fields
// (forward compatibility) and refuses unknown classes with a typed error.
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type {
  AudioSourceMapping, BridgeMessage, ColibriClass, JsonObject, JsonValue, ReceiverAudioSubscription,
  ReceiverVideoConstraints, VideoConstraints, VideoSourceMapping, BridgeVideoType,
} from './bridge-channel-types.ts';
import { COLIBRI_CLASSES, BRIDGE_VIDEO_TYPES } from './bridge-channel-types.ts';
import type { BridgeChannelError, BridgeChannelErrorCode, BridgeChannelLimits } from './bridge-channel-error.ts';
import { BRIDGE_CHANNEL_LIMITS } from './bridge-channel-error.ts';

type Obj = { readonly [key: string]: unknown };
type Decoded = Result<BridgeMessage, BridgeChannelError>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);
const isKnownClass = (c: string): c is ColibriClass => Object.hasOwn(COLIBRI_CLASSES, c);

/** Thrown only inside this module, turned into a Result at its edge. */
class FieldError {
  constructor(readonly code: BridgeChannelErrorCode, readonly text: string) {}
}
const missing = (field: string): FieldError => new FieldError('bridge-channel/missing-field', `${field} is required`);
const bad = (field: string, want: string): FieldError => new FieldError('bridge-channel/bad-field', `${field} must be ${want}`);

/** Deepest nesting of arrays/objects in JSON text, counting only brackets outside strings. */
function exceedsDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

function reqString(o: Obj, field: string): string {
  const v = own(o, field);
  if (v === undefined) throw missing(field);
  if (typeof v !== 'string') throw bad(field, 'a string');
  return v;
}

function optString(o: Obj, field: string): string | undefined {
  const v = own(o, field);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(field, 'a string');
  return v;
}

function optBoolean(o: Obj, field: string): boolean | undefined {
  const v = own(o, field);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(field, 'a boolean');
  return v;
}

function reqBoolean(o: Obj, field: string): boolean {
  const v = optBoolean(o, field);
  if (v === undefined) throw missing(field);
  return v;
}

/** A finite number ≥ min, optionally an integer. */
function optNumber(o: Obj, field: string, min: number, isInteger: boolean): number | undefined {
  const v = own(o, field);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (isInteger && !Number.isInteger(v))) {
    throw bad(field, `${isInteger ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return v;
}

function reqNumber(o: Obj, field: string, min: number, isInteger: boolean): number {
  const v = optNumber(o, field, min, isInteger);
  if (v === undefined) throw missing(field);
  return v;
}

function reqSsrc(o: Obj, field: string): number {
  const v = reqNumber(o, field, 0, true);
  if (v > 0xffff_ffff) throw bad(field, 'a 32-bit SSRC');
  return v;
}

function optStringList(o: Obj, field: string): string[] | undefined {
  const v = own(o, field);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(field, 'a list of strings');
  return v as string[];
}

/** JVB reads video types case-insensitively (ACCEPT_CASE_INSENSITIVE_ENUMS); we normalise to lower case. */
function reqVideoType(o: Obj, field: string): BridgeVideoType {
  const v = reqString(o, field).toLowerCase();
  const t = BRIDGE_VIDEO_TYPES.find((x) => x === v);
  if (t === undefined) throw bad(field, `one of ${BRIDGE_VIDEO_TYPES.join(', ')}`);
  return t;
}

/** A missing field inside a constraints object means unlimited; it is left out here. */
function videoConstraints(v: unknown, field: string): VideoConstraints {
  if (!isObject(v)) throw bad(field, 'an object');
  const maxHeight = optNumber(v, 'maxHeight', -1, true);
  const maxFrameRate = optNumber(v, 'maxFrameRate', -1, false);
  return { ...(maxHeight !== undefined ? { maxHeight } : {}), ...(maxFrameRate !== undefined ? { maxFrameRate } : {}) };
}

function optVideoConstraints(o: Obj, field: string): VideoConstraints | undefined {
  const v = own(o, field);
  return v === undefined || v === null ? undefined : videoConstraints(v, field);
}

function optConstraintsMap(o: Obj, field: string): ReceiverVideoConstraints['constraints'] {
  const v = own(o, field);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad(field, 'an object of source name → constraints');
  // Object.fromEntries defines own data properties, so even a "__proto__" source name stays a plain key.
  return Object.fromEntries(Object.entries(v).map(([name, c]) => [name, videoConstraints(c, `${field}.${name}`)]));
}

function receiverVideoConstraints(o: Obj): ReceiverVideoConstraints {
  const lastN = optNumber(o, 'lastN', -1, true);
  const selectedSources = optStringList(o, 'selectedSources');
  const onStageSources = optStringList(o, 'onStageSources');
  const defaultConstraints = optVideoConstraints(o, 'defaultConstraints');
  const constraints = optConstraintsMap(o, 'constraints');
  const assumedBandwidthBps = optNumber(o, 'assumedBandwidthBps', -1, false);
  return {
    colibriClass: 'ReceiverVideoConstraints',
    ...(lastN !== undefined ? { lastN } : {}),
    ...(selectedSources !== undefined ? { selectedSources } : {}),
    ...(onStageSources !== undefined ? { onStageSources } : {}),
    ...(defaultConstraints !== undefined ? { defaultConstraints } : {}),
    ...(constraints !== undefined ? { constraints } : {}),
    ...(assumedBandwidthBps !== undefined ? { assumedBandwidthBps } : {}),
  };
}

/** Current form (`all`/`include`/`exclude`), or the legacy `mode` (+ `list`) read into it. */
function receiverAudioSubscription(o: Obj): ReceiverAudioSubscription {
  const mode = optString(o, 'mode');
  const include = optStringList(o, 'include');
  const exclude = optStringList(o, 'exclude');
  const base = { colibriClass: 'ReceiverAudioSubscription' } as const;
  if (mode === undefined) {
    const all = optBoolean(o, 'all');
    return { ...base, ...(all !== undefined ? { all } : {}), ...(include !== undefined ? { include } : {}), ...(exclude !== undefined ? { exclude } : {}) };
  }
  const list = optStringList(o, 'list') ?? [];
  switch (mode.toLowerCase()) {
    case 'all': return { ...base, all: true };
    case 'none': return { ...base, all: false, include: [] };
    case 'include': return { ...base, all: false, include: list };
    case 'exclude': return { ...base, all: true, exclude: list };
    case 'custom': return { ...base, all: false, include: include ?? [], exclude: exclude ?? [] };
    default: throw bad('mode', 'All, None, Include, Exclude or Custom');
  }
}

function mappedSources<T>(o: Obj, read: (m: Obj, field: string) => T): T[] {
  const v = own(o, 'mappedSources');
  if (v === undefined) throw missing('mappedSources');
  if (!Array.isArray(v)) throw bad('mappedSources', 'a list');
  return v.map((m: unknown, i) => {
    if (!isObject(m)) throw bad(`mappedSources[${i}]`, 'an object');
    return read(m, `mappedSources[${i}]`);
  });
}

function videoSourceMapping(m: Obj): VideoSourceMapping {
  const owner = optString(m, 'owner');
  const mid = optString(m, 'mid');
  return {
    source: reqString(m, 'source'), ...(owner !== undefined ? { owner } : {}), ssrc: reqSsrc(m, 'ssrc'), rtx: reqSsrc(m, 'rtx'),
    videoType: reqVideoType(m, 'videoType'), ...(mid !== undefined ? { mid } : {}),
  };
}

function audioSourceMapping(m: Obj): AudioSourceMapping {
  const owner = optString(m, 'owner');
  const mid = optString(m, 'mid');
  return { source: reqString(m, 'source'), ...(owner !== undefined ? { owner } : {}), ssrc: reqSsrc(m, 'ssrc'), ...(mid !== undefined ? { mid } : {}) };
}

/** Builds the typed message of a known class; throws FieldError (caught by the caller). */
function decodeKnown(colibriClass: ColibriClass, o: Obj): BridgeMessage {
  switch (colibriClass) {
    case 'ClientHello': return { colibriClass };
    case 'ServerHello': {
      const version = optString(o, 'version');
      return { colibriClass, ...(version !== undefined ? { version } : {}) };
    }
    case 'EndpointMessage': {
      const to = reqString(o, 'to');
      const from = optString(o, 'from');
      if (!Object.hasOwn(o, 'msgPayload')) throw missing('msgPayload');
      return { colibriClass, to, ...(from !== undefined ? { from } : {}), msgPayload: o.msgPayload as JsonValue };
    }
    case 'EndpointStats': {
      const from = optString(o, 'from');
      const stats: JsonObject = Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'colibriClass' && k !== 'from')) as JsonObject;
      return { colibriClass, ...(from !== undefined ? { from } : {}), stats };
    }
    case 'LastNChangedEvent': return { colibriClass, lastN: reqNumber(o, 'lastN', -1, true) };
    case 'ReceiverVideoConstraints': return receiverVideoConstraints(o);
    case 'ReceiverAudioSubscription': return receiverAudioSubscription(o);
    case 'SourceVideoTypeMessage': return { colibriClass, sourceName: reqString(o, 'sourceName'), videoType: reqVideoType(o, 'videoType') };
    case 'VideoTypeMessage': return { colibriClass, videoType: reqVideoType(o, 'videoType') };
    case 'SenderSourceConstraints':
      return { colibriClass, sourceName: reqString(o, 'sourceName'), maxHeight: reqNumber(o, 'maxHeight', -1, true) };
    case 'DominantSpeakerEndpointChangeEvent':
      return {
        colibriClass, dominantSpeakerEndpoint: reqString(o, 'dominantSpeakerEndpoint'),
        previousSpeakers: optStringList(o, 'previousSpeakers') ?? [], silence: optBoolean(o, 'silence') ?? false,
      };
    case 'ForwardedSources': {
      const forwardedSources = optStringList(o, 'forwardedSources');
      if (forwardedSources === undefined) throw missing('forwardedSources');
      return { colibriClass, forwardedSources };
    }
    case 'EndpointConnectivityStatusChangeEvent': {
      const endpoint = reqString(o, 'endpoint');
      const active = own(o, 'active');
      if (active === undefined) throw missing('active');
      // JVB sends a string; a boolean is accepted too (lenient reader).
      if (active !== 'true' && active !== 'false' && typeof active !== 'boolean') throw bad('active', '"true" or "false"');
      return { colibriClass, endpoint, active: active === true || active === 'true' };
    }
    case 'VideoSourcesMap': return { colibriClass, mappedSources: mappedSources(o, videoSourceMapping) };
    case 'AudioSourcesMap': return { colibriClass, mappedSources: mappedSources(o, audioSourceMapping) };
    case 'ConnectionStats': return { colibriClass, estimatedDownlinkBandwidth: reqNumber(o, 'estimatedDownlinkBandwidth', -1, false) };
    case 'SyntheticSourceSendingChangeEvent':
      return { colibriClass, sourceName: reqString(o, 'sourceName'), sending: reqBoolean(o, 'sending'), timestamp: reqNumber(o, 'timestamp', 0, false) };
    case 'AddReceiver': {
      const sourceName = optString(o, 'sourceName');
      const endpointId = optString(o, 'endpointId');
      const vc = own(o, 'videoConstraints');
      if (vc === undefined) throw missing('videoConstraints');
      return {
        colibriClass, bridgeId: reqString(o, 'bridgeId'), ...(sourceName !== undefined ? { sourceName } : {}),
        ...(endpointId !== undefined ? { endpointId } : {}), videoConstraints: videoConstraints(vc, 'videoConstraints'),
      };
    }
    case 'RemoveReceiver': return { colibriClass, bridgeId: reqString(o, 'bridgeId'), endpointId: reqString(o, 'endpointId') };
  }
}

/**
 * Decodes one bridge-channel message. Never throws: oversized or too deeply nested text, bad JSON,
 * a non-object, a missing or unknown `colibriClass` and bad fields all come back as errors.
 */
export function decodeBridgeMessage(text: string, limits: BridgeChannelLimits = BRIDGE_CHANNEL_LIMITS): Decoded {
  if (text.length > limits.maxChars) return err({ code: 'bridge-channel/too-large', text: `longer than ${limits.maxChars} characters` });
  if (exceedsDepth(text, limits.maxDepth)) return err({ code: 'bridge-channel/too-deep', text: `nested deeper than ${limits.maxDepth}` });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse reports malformed input only by throwing; that is bad input, not a bug.
    return err({ code: 'bridge-channel/bad-json', text: 'not JSON' });
  }
  if (!isObject(value)) return err({ code: 'bridge-channel/not-object', text: 'a message is a JSON object' });
  const colibriClass = own(value, 'colibriClass');
  if (typeof colibriClass !== 'string') return err({ code: 'bridge-channel/missing-class', text: 'colibriClass must be a string' });
  if (!isKnownClass(colibriClass)) return err({ code: 'bridge-channel/unknown-class', text: 'unknown colibriClass', colibriClass });
  try {
    return ok(decodeKnown(colibriClass, value));
  } catch (e) {
    if (e instanceof FieldError) return err({ code: e.code, text: e.text, colibriClass });
    throw e; // a bug, not bad input
  }
}

const present = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: V }));

/** The wire object of a message (key order: colibriClass first, then the fields as §5 lists them). */
function wireObject(m: BridgeMessage): object {
  switch (m.colibriClass) {
    case 'EndpointMessage':
      return { colibriClass: m.colibriClass, to: m.to, ...present('from', m.from), msgPayload: m.msgPayload };
    case 'EndpointStats': {
      const stats = Object.entries(m.stats).filter(([k]) => k !== 'colibriClass' && k !== 'from');
      return Object.fromEntries([['colibriClass', m.colibriClass], ...stats, ...(m.from !== undefined ? [['from', m.from]] : [])]);
    }
    case 'EndpointConnectivityStatusChangeEvent':
      return { colibriClass: m.colibriClass, endpoint: m.endpoint, active: m.active ? 'true' : 'false' };
    default:
      return m;
  }
}

/** Encodes a message as the JSON text sent on the channel. */
export function encodeBridgeMessage(m: BridgeMessage): string {
  return JSON.stringify(wireObject(m));
}
