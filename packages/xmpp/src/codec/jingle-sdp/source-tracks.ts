// Grouping of XEP-0339 sources into tracks, and the receive-slot m-lines that carry remote tracks.
//
// Unified plan (RFC 8829 JSEP) allows one track per m-line: Chromium 156 refuses a remote offer whose
// audio m-line lists the bridge's and a participant's SSRCs ("Failed to set remote offer sdp: Failed to
// add remote stream ssrc: … to {mid: audio, media_type: audio}", checked with the Debian package;
// older Chrome said "Media section has more than one track specified with a=ssrc lines"), Firefox
// likewise. lib-jitsi-meet therefore gives every remote source its own m-line (modules/sdp/SDP.ts
// fromJingle). We do the same: a track is
// the SSRCs tied together by ssrc-groups (SIM, FID, FEC-FR) or a shared msid, and every remote track
// beyond the one a content's own m-line carries gets a "receive slot" m-line with mid `s<n>`.
import type { MediaSource, SourceGroup } from '../xep-0166-jingle/jingle-types.ts';

/** One remote (or local) track: its sources in order, the groups among them, its msid. */
export type SourceTrack = {
  readonly sources: readonly MediaSource[];
  readonly groups: readonly SourceGroup[];
  readonly msid?: string;
  /** The bridge's own RTCP feedback source (msid `mixedmslabel …`), never a participant's media. */
  readonly isMixed: boolean;
};

/** Prefix of the mids jingleToSdp gives receive-slot m-lines (`s1`, `s2`, …); sdpToJingle folds them back. */
export const RECEIVE_SLOT_MID_PREFIX = 's';

/** The mid of receive slot `n` (1-based). */
export const receiveSlotMid = (n: number): string => `${RECEIVE_SLOT_MID_PREFIX}${n}`;

/** The slot number of a receive-slot mid, or undefined for any other mid. */
export function receiveSlotNumber(mid: string): number | undefined {
  const m = /^s([1-9]\d{0,8})$/.exec(mid);
  return m ? Number(m[1]) : undefined;
}

/** Jitsi marks the bridge's own sources with msid `mixedmslabel mixedlabelaudio0|video0` (protocols.md §2.2). */
export const isMixedSource = (s: MediaSource): boolean => s.msid?.startsWith('mixedmslabel') === true;

/**
 * Splits sources into tracks, in order of first appearance. Duplicate SSRCs keep their first
 * occurrence; a group naming an SSRC that has no source is dropped (Chrome would reject it).
 */
export function groupSourcesIntoTracks(sources: readonly MediaSource[], groups: readonly SourceGroup[]): SourceTrack[] {
  const unique: MediaSource[] = [];
  const indexOf = new Map<number, number>();
  for (const s of sources) {
    if (indexOf.has(s.ssrc)) continue;
    indexOf.set(s.ssrc, unique.length);
    unique.push(s);
  }
  const parent = unique.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    parent[i] = r;
    return r;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const kept = groups.filter((g) => g.ssrcs.length > 0 && g.ssrcs.every((s) => indexOf.has(s)));
  for (const g of kept) {
    const first = indexOf.get(g.ssrcs[0] as number) as number;
    for (const s of g.ssrcs) union(first, indexOf.get(s) as number);
  }
  const byMsid = new Map<string, number>();
  unique.forEach((s, i) => {
    if (s.msid === undefined) return;
    const seen = byMsid.get(s.msid);
    if (seen === undefined) byMsid.set(s.msid, i);
    else union(seen, i);
  });
  const tracks = new Map<number, { sources: MediaSource[]; groups: SourceGroup[] }>();
  unique.forEach((s, i) => {
    const root = find(i);
    const t = tracks.get(root) ?? { sources: [], groups: [] };
    t.sources.push(s);
    tracks.set(root, t);
  });
  for (const g of kept) tracks.get(find(indexOf.get(g.ssrcs[0] as number) as number))?.groups.push(g);
  return [...tracks.values()].map((t) => {
    const msid = t.sources.find((s) => s.msid !== undefined)?.msid;
    return { sources: t.sources, groups: t.groups, ...(msid !== undefined ? { msid } : {}), isMixed: t.sources.some(isMixedSource) };
  });
}
