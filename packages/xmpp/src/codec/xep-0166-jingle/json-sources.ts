import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { EndpointSources, MediaSource, SourceGroup } from './jingle-types.ts';
import type { JingleError, JingleLimits, SourceBudget } from './jingle-error.ts';
import { jingleError, newSourceBudget, takeGroupRefs, takeSource } from './jingle-error.ts';
import { isSsrc } from './parse-attrs.ts';

// Jitsi's compact JSON sources (protocols.md §2.2), the text of
// `<json-message xmlns="http://jitsi.org/jitmeet">` when the peer advertised json-encoded-sources:
//   {"sources":{"<owner>":[videoSources, videoGroups, audioSources, audioGroups?]}}
// source = {"s":ssrc,"n":name,"m":msid,"v":"d"} (v only for desktop), group = ["s"|"f", ssrc…]
// (SIM, FID). Trailing empty arrays may be omitted. jicofo writes SSRCs as JSON numbers;
// lib-jitsi-meet types them as strings, so decimal strings are accepted too.

type Json = unknown;
type Fail = { readonly ok: false; readonly error: JingleError };

const bad = (why: string): Fail => jingleError('jingle/bad-json-sources', why);

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, Json>, k: string): Json => (Object.hasOwn(o, k) ? o[k] : undefined);

/** Default `maxJsonChars`: 256 characters per allowed source. */
const jsonCharsFor = (limits: JingleLimits, budget: SourceBudget): number => limits.maxJsonChars ?? budget.maxSources * 256;

function decodeSsrc(v: Json): number | undefined {
  if (isSsrc(v)) return v === 0 ? 0 : v; // JSON -0 reads as 0
  if (typeof v === 'string' && /^[0-9]{1,10}$/.test(v)) {
    const n = Number(v);
    return isSsrc(n) ? n : undefined;
  }
  return undefined;
}

function decodeSource(v: Json, owner: string, isVideo: boolean): Result<MediaSource, JingleError> {
  if (!isObject(v)) return bad(`${owner}: a source is not an object`);
  const ssrc = decodeSsrc(own(v, 's'));
  if (ssrc === undefined) return jingleError('jingle/bad-source', `${owner}: bad ssrc ${JSON.stringify(own(v, 's')) ?? 'undefined'}`);
  const name = own(v, 'n');
  const msid = own(v, 'm');
  const videoType = own(v, 'v');
  if (name !== undefined && typeof name !== 'string') return bad(`${owner}: source ${ssrc} has a non-string name`);
  if (msid !== undefined && typeof msid !== 'string') return bad(`${owner}: source ${ssrc} has a non-string msid`);
  if (videoType !== undefined && videoType !== 'd') return bad(`${owner}: source ${ssrc} has unknown "v"`);
  if (videoType !== undefined && !isVideo) return bad(`${owner}: audio source ${ssrc} has a video type`);
  return ok({
    ssrc,
    ...(name !== undefined ? { name } : {}),
    ...(msid !== undefined ? { msid } : {}),
    ...(videoType === 'd' ? { videoType: 'desktop' as const } : {}),
    owner,
    parameters: [],
  });
}

function decodeGroup(v: Json, owner: string, budget: SourceBudget): Result<SourceGroup, JingleError> {
  if (!Array.isArray(v) || v.length === 0) return bad(`${owner}: a group is not a non-empty array`);
  const [kind, ...members] = v as Json[];
  if (kind !== 's' && kind !== 'f') return bad(`${owner}: unknown group semantics ${JSON.stringify(kind) ?? ''}`);
  if (!takeGroupRefs(budget, members.length)) return jingleError('jingle/too-many-sources', 'too many group members');
  const ssrcs: number[] = [];
  for (const m of members) {
    const ssrc = decodeSsrc(m);
    if (ssrc === undefined) return jingleError('jingle/bad-source', `${owner}: bad ssrc in group`);
    ssrcs.push(ssrc);
  }
  return ok({ semantics: kind === 's' ? 'SIM' : 'FID', ssrcs });
}

function decodeEndpoint(v: Json, owner: string, budget: SourceBudget): Result<EndpointSources, JingleError> {
  if (!Array.isArray(v) || v.length > 4) return bad(`${owner}: expected an array of at most 4 arrays`);
  const parts = v as Json[];
  const lists: Json[][] = [];
  for (let i = 0; i < 4; i++) {
    const part = i < parts.length ? parts[i] : [];
    if (!Array.isArray(part)) return bad(`${owner}: element ${i} is not an array`);
    lists.push(part as Json[]);
  }
  const [videoIn = [], videoGroupsIn = [], audioIn = [], audioGroupsIn = []] = lists;
  const seen = new Set<number>();
  const sourcesOf = (list: Json[], isVideo: boolean): Result<MediaSource[], JingleError> => {
    const out: MediaSource[] = [];
    for (const item of list) {
      if (!takeSource(budget)) return jingleError('jingle/too-many-sources', `more than ${budget.maxSources} sources`);
      const s = decodeSource(item, owner, isVideo);
      if (!s.ok) return s;
      if (seen.has(s.value.ssrc)) return jingleError('jingle/bad-source', `${owner}: duplicate ssrc ${s.value.ssrc}`);
      seen.add(s.value.ssrc);
      out.push(s.value);
    }
    return ok(out);
  };
  const groupsOf = (list: Json[]): Result<SourceGroup[], JingleError> => {
    const out: SourceGroup[] = [];
    for (const item of list) {
      const g = decodeGroup(item, owner, budget);
      if (!g.ok) return g;
      out.push(g.value);
    }
    return ok(out);
  };
  const video = sourcesOf(videoIn, true);
  if (!video.ok) return video;
  const videoGroups = groupsOf(videoGroupsIn);
  if (!videoGroups.ok) return videoGroups;
  const audio = sourcesOf(audioIn, false);
  if (!audio.ok) return audio;
  const audioGroups = groupsOf(audioGroupsIn);
  if (!audioGroups.ok) return audioGroups;
  return ok({ video: video.value, videoGroups: videoGroups.value, audio: audio.value, audioGroups: audioGroups.value });
}

/** decodeJsonSources sharing one source budget with the rest of a Jingle element (internal). */
export function jsonSourcesWithin(json: string, limits: JingleLimits, budget: SourceBudget):
  Result<Record<string, EndpointSources>, JingleError> {
  const maxChars = jsonCharsFor(limits, budget);
  if (json.length > maxChars) return bad(`json-message longer than ${maxChars} characters`);
  let parsed: Json;
  try {
    parsed = JSON.parse(json);
  } catch {
    // Hostile or broken text: JSON.parse throws SyntaxError (or RangeError on absurd nesting);
    // either way it is a decode failure of this one element, not a bug.
    return bad('json-message is not valid JSON');
  }
  if (!isObject(parsed)) return bad('json-message is not a JSON object');
  const sources = own(parsed, 'sources');
  if (!isObject(sources)) return bad('json-message has no "sources" object');
  const entries: [string, EndpointSources][] = [];
  for (const owner of Object.keys(sources)) {
    if (owner === '') return bad('empty owner');
    const e = decodeEndpoint(sources[owner], owner, budget);
    if (!e.ok) return e;
    entries.push([owner, e.value]);
  }
  // Object.fromEntries defines own properties, so an owner called "__proto__" cannot reach the prototype.
  return ok(Object.fromEntries(entries));
}

/**
 * Reads compact JSON sources (the text of a `json-message`), by owner endpoint id. Each source
 * gets `owner` set to its key; `v:"d"` becomes videoType `desktop` (no `v` leaves videoType unset:
 * receivers treat it as camera). Never throws; input is capped at `maxJsonChars`.
 */
export const decodeJsonSources = (json: string, limits: JingleLimits = {}): Result<Record<string, EndpointSources>, JingleError> =>
  jsonSourcesWithin(json, limits, newSourceBudget(limits));

function sourceJson(s: MediaSource): string {
  let out = `{"s":${s.ssrc}`;
  if (s.name !== undefined) out += `,"n":${JSON.stringify(s.name)}`;
  if (s.msid !== undefined) out += `,"m":${JSON.stringify(s.msid)}`;
  if (s.videoType === 'desktop') out += ',"v":"d"';
  return out + '}';
}

/** SIM → "s", FID → "f"; FEC-FR has no compact form and is left out (Jitsi never signals it). */
function groupJson(g: SourceGroup): string | undefined {
  if (g.semantics === 'FEC-FR') return undefined;
  return `[${[g.semantics === 'SIM' ? '"s"' : '"f"', ...g.ssrcs.map(String)].join(',')}]`;
}

const listJson = (items: readonly string[]): string => `[${items.join(',')}]`;
const groupsJson = (gs: readonly SourceGroup[]): string[] => gs.map(groupJson).filter((g): g is string => g !== undefined);

/**
 * Writes compact JSON sources the way jicofo does: `[video, videoGroups, audio]` plus
 * `audioGroups` only when there are any. The map key is the owner (a source's own `owner` is not
 * written); `camera` is implied, only `desktop` is written (`"v":"d"`).
 */
export function encodeJsonSources(sources: Readonly<Record<string, EndpointSources>>): string {
  const owners = Object.entries(sources).map(([owner, e]) => `${JSON.stringify(owner)}:${endpointJson(e)}`);
  return `{"sources":{${owners.join(',')}}}`;
}

/**
 * One endpoint's JSON by sources object: sources are immutable values, and a focus writes the same
 * participant's sources into the offer and the source-add of every other participant.
 */
const endpointJsonCache = new WeakMap<EndpointSources, string>();

function endpointJson(e: EndpointSources): string {
  let json = endpointJsonCache.get(e);
  if (json === undefined) {
    const parts = [listJson(e.video.map(sourceJson)), listJson(groupsJson(e.videoGroups)), listJson(e.audio.map(sourceJson))];
    const audioGroups = groupsJson(e.audioGroups);
    if (audioGroups.length > 0) parts.push(listJson(audioGroups));
    json = listJson(parts);
    endpointJsonCache.set(e, json);
  }
  return json;
}
