import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { EndpointSources, JingleContent, MediaSource, RtpDescription, SourceGroup } from './jingle-types.ts';
import type { JingleError } from './jingle-error.ts';
import { jingleError } from './jingle-error.ts';
import { MAX_SSRC } from './parse-attrs.ts';

// Source helpers for the focus (protocols.md §2.2–2.3): collect an endpoint's sources from its
// session-accept / source-add, validate them the way jicofo does (ValidatingConferenceSourceMap:
// ≤ 20 SSRCs and ≤ 20 groups per endpoint, groups only over known SSRCs, FID pairs, one msid per
// group), and put other endpoints' sources back into contents for peers without JSON sources.

/** The sources and groups of one RTP description (empty for no description). */
export function sourcesOfContent(desc: RtpDescription | undefined): {
  readonly sources: readonly MediaSource[];
  readonly groups: readonly SourceGroup[];
} {
  return desc === undefined ? { sources: [], groups: [] } : { sources: desc.sources, groups: desc.sourceGroups };
}

/** Every SSRC of an endpoint: video first, then audio. */
export const ssrcsOf = (sources: EndpointSources): number[] => [...sources.video, ...sources.audio].map((s) => s.ssrc);

/** No sources at all. */
export const EMPTY_ENDPOINT_SOURCES: EndpointSources = { video: [], videoGroups: [], audio: [], audioGroups: [] };

/** Collects audio and video sources and groups from every content's RTP description, in order. */
export function toEndpointSources(contents: readonly JingleContent[]): EndpointSources {
  const video: MediaSource[] = [];
  const videoGroups: SourceGroup[] = [];
  const audio: MediaSource[] = [];
  const audioGroups: SourceGroup[] = [];
  for (const c of contents) {
    const d = c.description;
    if (d === undefined) continue;
    if (d.media === 'video') {
      video.push(...d.sources);
      videoGroups.push(...d.sourceGroups);
    } else {
      audio.push(...d.sources);
      audioGroups.push(...d.sourceGroups);
    }
  }
  return { video, videoGroups, audio, audioGroups };
}

/** Limits of {@link validateOwnSources}; jicofo's defaults are 20 and 20. */
export type OwnSourceLimits = { readonly maxSsrcs: number; readonly maxGroups: number };

const sameGroup = (a: SourceGroup, b: SourceGroup): boolean =>
  a.semantics === b.semantics && a.ssrcs.length === b.ssrcs.length && a.ssrcs.every((s, i) => s === b.ssrcs[i]);

/** Checks one media's groups against that media's sources; drops empty and repeated groups as jicofo does. */
function checkGroups(groups: readonly SourceGroup[], sources: readonly MediaSource[], media: string):
  Result<SourceGroup[], JingleError> {
  const bySsrc = new Map(sources.map((s) => [s.ssrc, s] as const));
  const kept: SourceGroup[] = [];
  for (const g of groups) {
    if (g.ssrcs.length === 0 || kept.some((k) => sameGroup(k, g))) continue;
    if (g.semantics === 'FID' && g.ssrcs.length !== 2) {
      return jingleError('jingle/bad-group', `${media} FID group must have 2 SSRCs, has ${g.ssrcs.length}`);
    }
    let msid: string | undefined;
    for (const ssrc of g.ssrcs) {
      const s = bySsrc.get(ssrc);
      if (s === undefined) return jingleError('jingle/bad-group', `${media} ${g.semantics} group references unknown SSRC ${ssrc}`);
      if (s.msid === undefined) return jingleError('jingle/bad-group', `grouped ${media} SSRC ${ssrc} has no msid`);
      msid ??= s.msid;
      if (s.msid !== msid) return jingleError('jingle/bad-group', `${media} ${g.semantics} group mixes msids`);
    }
    kept.push(g);
  }
  return ok(kept);
}

/**
 * Validates the sources an endpoint signals for itself (session-accept, source-add). Refuses
 * SSRCs outside 1 … 2^32-1 or repeated, a source whose `owner` is somebody else, a name that does
 * not start with `<owner>-`, groups over SSRCs not in the set (or of another media), FID groups
 * that are not pairs, grouped sources without one shared msid, and more than maxSsrcs SSRCs or
 * maxGroups groups. On success every source carries `owner`, and empty or repeated groups are gone.
 */
export function validateOwnSources(sources: EndpointSources, owner: string, opts: OwnSourceLimits):
  Result<EndpointSources, JingleError> {
  const count = sources.video.length + sources.audio.length;
  if (count > opts.maxSsrcs) return jingleError('jingle/too-many-sources', `${count} SSRCs, at most ${opts.maxSsrcs} allowed`);
  const prefix = `${owner}-`;
  const seen = new Set<number>();
  for (const s of [...sources.video, ...sources.audio]) {
    // jicofo refuses SSRC 0 as well (ValidatingConferenceSourceMap: ssrc <= 0 is invalid).
    if (!Number.isInteger(s.ssrc) || s.ssrc < 1 || s.ssrc > MAX_SSRC) return jingleError('jingle/bad-source', `invalid SSRC ${s.ssrc}`);
    if (seen.has(s.ssrc)) return jingleError('jingle/bad-source', `SSRC ${s.ssrc} signalled twice`);
    seen.add(s.ssrc);
    if (s.owner !== undefined && s.owner !== owner) {
      return jingleError('jingle/foreign-source', `SSRC ${s.ssrc} is owned by "${s.owner}", not "${owner}"`);
    }
    if (s.name !== undefined && !s.name.startsWith(prefix)) {
      return jingleError('jingle/bad-source-name', `source name "${s.name}" does not start with "${prefix}"`);
    }
  }
  const videoGroups = checkGroups(sources.videoGroups, sources.video, 'video');
  if (!videoGroups.ok) return videoGroups;
  const audioGroups = checkGroups(sources.audioGroups, sources.audio, 'audio');
  if (!audioGroups.ok) return audioGroups;
  const groupCount = videoGroups.value.length + audioGroups.value.length;
  if (groupCount > opts.maxGroups) return jingleError('jingle/too-many-groups', `${groupCount} groups, at most ${opts.maxGroups} allowed`);
  const stamp = (s: MediaSource): MediaSource => (s.owner === owner ? s : { ...s, owner });
  return ok({
    video: sources.video.map(stamp), videoGroups: videoGroups.value,
    audio: sources.audio.map(stamp), audioGroups: audioGroups.value,
  });
}

const emptyDescription = (media: 'audio' | 'video'): RtpDescription => ({
  media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: false, sources: [], sourceGroups: [],
});

/**
 * Adds endpoints' sources (by owner) to the `audio`/`video` contents' descriptions, each source
 * stamped with its owner (`<ssrc-info owner>`), the way jicofo builds a session-initiate or an
 * XEP-0339 source-add for peers without json-encoded-sources. Missing contents (and descriptions)
 * are created with name only, as jicofo's source-add has them.
 */
export function addSourcesToContents(contents: readonly JingleContent[], byOwner: Readonly<Record<string, EndpointSources>>):
  JingleContent[] {
  const extra = { audio: { sources: [] as MediaSource[], groups: [] as SourceGroup[] }, video: { sources: [] as MediaSource[], groups: [] as SourceGroup[] } };
  for (const [owner, e] of Object.entries(byOwner)) {
    extra.video.sources.push(...e.video.map((s) => ({ ...s, owner })));
    extra.video.groups.push(...e.videoGroups);
    extra.audio.sources.push(...e.audio.map((s) => ({ ...s, owner })));
    extra.audio.groups.push(...e.audioGroups);
  }
  const out: JingleContent[] = [];
  const done = new Set<'audio' | 'video'>();
  const withExtra = (c: JingleContent, media: 'audio' | 'video'): JingleContent => {
    const d = c.description ?? emptyDescription(media);
    return { ...c, description: { ...d, sources: [...d.sources, ...extra[media].sources], sourceGroups: [...d.sourceGroups, ...extra[media].groups] } };
  };
  for (const c of contents) {
    const media = c.description?.media ?? (c.name === 'audio' || c.name === 'video' ? c.name : undefined);
    if (media === undefined || done.has(media) || c.hasApplicationDescription === true) {
      out.push(c);
      continue;
    }
    done.add(media);
    out.push(withExtra(c, media));
  }
  for (const media of ['audio', 'video'] as const) {
    if (done.has(media) || (extra[media].sources.length === 0 && extra[media].groups.length === 0)) continue;
    out.push(withExtra({ name: media, creator: 'initiator', senders: 'both' }, media));
  }
  return out;
}
