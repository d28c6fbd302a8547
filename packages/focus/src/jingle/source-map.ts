// Set operations on participants' sources (XEP-0339 sources and groups, grouped per endpoint as in
// Jitsi's compact JSON, protocols.md §2.2), pure. Source signaling works by difference: each
// participant has a view of what it was told; the focus diffs that view against the conference's
// sources and sends source-add / source-remove for the difference (Jicofo's SourceSignaling idea).
import type { EndpointSources, MediaSource, SourceGroup } from '@plenum/xmpp/codec';
import { EMPTY_ENDPOINT_SOURCES, ssrcsOf } from '@plenum/xmpp/codec';

/** Sources of every endpoint of a conference, by endpoint id (the bridge's feedback sources under `jvb`). */
export type ConferenceSources = ReadonlyMap<string, EndpointSources>;

/** The owner name of the bridge's own sources. */
export const JVB_OWNER = 'jvb';

/** No sources. */
export const EMPTY_SOURCES: EndpointSources = EMPTY_ENDPOINT_SOURCES;

/** True when an endpoint announces nothing. */
export const isEmptySources = (s: EndpointSources): boolean =>
  s.video.length === 0 && s.audio.length === 0 && s.videoGroups.length === 0 && s.audioGroups.length === 0;

/** Every SSRC of an endpoint. */
export const ssrcsOfSources = ssrcsOf;

/** Number of SSRCs and groups (for limits). */
export const countSources = (s: EndpointSources): { readonly ssrcs: number; readonly groups: number } =>
  ({ ssrcs: s.audio.length + s.video.length, groups: s.audioGroups.length + s.videoGroups.length });

const groupKey = (g: SourceGroup): string => `${g.semantics}:${g.ssrcs.join(',')}`;

function unionList(a: readonly MediaSource[], b: readonly MediaSource[]): MediaSource[] {
  const seen = new Set(a.map((s) => s.ssrc));
  return [...a, ...b.filter((s) => !seen.has(s.ssrc))];
}

function unionGroups(a: readonly SourceGroup[], b: readonly SourceGroup[]): SourceGroup[] {
  const seen = new Set(a.map(groupKey));
  return [...a, ...b.filter((g) => !seen.has(groupKey(g)))];
}

/** `a` plus whatever of `b` it lacks. */
export function addSources(a: EndpointSources, b: EndpointSources): EndpointSources {
  return {
    video: unionList(a.video, b.video),
    videoGroups: unionGroups(a.videoGroups, b.videoGroups),
    audio: unionList(a.audio, b.audio),
    audioGroups: unionGroups(a.audioGroups, b.audioGroups),
  };
}

/** `a` without the SSRCs in `b`; groups go with any of their SSRCs, or when `b` names them. */
export function removeSources(a: EndpointSources, b: EndpointSources): EndpointSources {
  const gone = new Set(ssrcsOfSources(b));
  const goneGroups = new Set([...b.videoGroups, ...b.audioGroups].map(groupKey));
  const keepGroup = (g: SourceGroup): boolean => !goneGroups.has(groupKey(g)) && !g.ssrcs.some((x) => gone.has(x));
  return {
    video: a.video.filter((s) => !gone.has(s.ssrc)),
    videoGroups: a.videoGroups.filter(keepGroup),
    audio: a.audio.filter((s) => !gone.has(s.ssrc)),
    audioGroups: a.audioGroups.filter(keepGroup),
  };
}

/** What `to` has that `from` lacks (sources by SSRC, groups by semantics and members). */
export function subtractSources(to: EndpointSources, from: EndpointSources): EndpointSources {
  // Nothing to take away: the same immutable value (its encodings are cached by identity).
  if (isEmptySources(from)) return to;
  const have = new Set(ssrcsOfSources(from));
  const haveGroups = new Set([...from.videoGroups, ...from.audioGroups].map(groupKey));
  return {
    video: to.video.filter((s) => !have.has(s.ssrc)),
    videoGroups: to.videoGroups.filter((g) => !haveGroups.has(groupKey(g))),
    audio: to.audio.filter((s) => !have.has(s.ssrc)),
    audioGroups: to.audioGroups.filter((g) => !haveGroups.has(groupKey(g))),
  };
}

/** The source-add and source-remove that turn a participant's view `known` into `target`. */
export type SourceDiff = { readonly add: ConferenceSources; readonly remove: ConferenceSources };

/** Diffs two conference views, owner by owner; empty entries are left out. */
export function diffConferenceSources(known: ConferenceSources, target: ConferenceSources): SourceDiff {
  const add = new Map<string, EndpointSources>();
  const remove = new Map<string, EndpointSources>();
  for (const [owner, wanted] of target) {
    const had = known.get(owner) ?? EMPTY_SOURCES;
    // Sources are immutable values: the same object means nothing changed for this owner.
    if (had === wanted) continue;
    const plus = subtractSources(wanted, had);
    if (!isEmptySources(plus)) add.set(owner, plus);
    const minus = subtractSources(had, wanted);
    if (!isEmptySources(minus)) remove.set(owner, minus);
  }
  for (const [owner, had] of known) {
    if (!target.has(owner) && !isEmptySources(had)) remove.set(owner, had);
  }
  return { add, remove };
}

/** True when a diff changes nothing. */
export const isEmptyDiff = (d: SourceDiff): boolean => d.add.size === 0 && d.remove.size === 0;

/** Stamps every source with its owner (XEP-0339 `ssrc-info owner`, protocols.md §2.2). */
export function withOwner(s: EndpointSources, owner: string): EndpointSources {
  const stamp = (x: MediaSource): MediaSource => (x.owner === owner ? x : { ...x, owner });
  return { video: s.video.map(stamp), videoGroups: s.videoGroups, audio: s.audio.map(stamp), audioGroups: s.audioGroups };
}
