// Jingle → SDP: the remote description a browser (or werift in the recorder and SIP gateway) applies.
// Follows lib-jitsi-meet modules/sdp/SDP.ts (fromJingle, jingle2media) for how Jitsi's Jingle maps to
// unified-plan SDP, with these decisions (the reverse direction is documented in sdp-to-jingle.ts):
//
// * Layout. One m-line per Jingle content, in content order, mid = content name (audio/video/data for
//   the bridge, the peer's mids in P2P). Unified plan allows one track per m-line (source-tracks.ts), so
//   in an offer every further remote track gets a receive slot m-line (mid s1, s2, …) after the content
//   m-lines, direction sendonly (the offerer sends), same codecs and ICE/DTLS as its content, no
//   candidates (BUNDLE carries them), and its mid is added to the content's BUNDLE group.
// * Which track rides in the content's own m-line: the bridge's mixedmslabel source if the content has
//   one (as lib-jitsi-meet puts "the JVB's SSRC for RTCP termination" first), else the first track.
//   mixedmslabel sources never get a slot: the receiver on the content m-line carries stream id
//   `mixedmslabel`, which clients skip as lib-jitsi-meet does. Further mixedmslabel tracks are dropped.
// * Renegotiation (source-add/-remove): pass the previous output as `previous`. Tracks keep their
//   m-lines, new tracks take a content m-line that was already empty or a new slot, slots of removed
//   tracks stay in place rejected (port 0, inactive, out of BUNDLE) and are not reused — JSEP §5.2.2
//   forbids removing or reordering m-lines.
// * Answers (P2P: the peer's session-accept) cannot add m-lines: more than one track in a content is an
//   error.
// * Groups name only existing contents. COMPAT(lib-jitsi-meet): its session-accept BUNDLE group names
//   `data` even without a data content (protocols.md §12); Chromium 156 rejects that ("A BUNDLE group
//   contains a MID='data' matching no m= section").
//
// Checked against Chromium 156 (Debian): the bridge offer, a source-add and a source-remove re-offer
// apply, ontrack fires once per slot with the sender's stream id, and a P2P call whose descriptions
// cross Jingle both ways (sdpToJingle → jingleToSdp) connects with audio, video and data flowing.
import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { EndpointSources, JingleContent, MediaSource, SourceGroup } from '../xep-0166-jingle/jingle-types.ts';
import type { SdpError } from './sdp-error.ts';
import { sdpError } from './sdp-error.ts';
import type { Sdp, SdpLine, SdpMedia } from './sdp-types.ts';
import { MAX_SDP_CHARS, sdpLinesOf, sdpMediaMid, writeSdp } from './sdp.ts';
import { directionFromSenders } from './senders.ts';
import type { SourceTrack } from './source-tracks.ts';
import { groupSourcesIntoTracks, receiveSlotMid, receiveSlotNumber } from './source-tracks.ts';
import type { Checker } from './sdp-sections.ts';
import { makeChecker, rtpSection, sctpSection } from './sdp-sections.ts';

/** The parts of a Jingle session the mapping reads. */
export type JingleSdpSession = {
  readonly contents: readonly JingleContent[];
  readonly groups: readonly { readonly semantics: string; readonly contents: readonly string[] }[];
  /** Jitsi's JSON-encoded remote sources by owner endpoint id (`Jingle.jsonSources`). */
  readonly sources?: Readonly<Record<string, EndpointSources>>;
};

/** Options of jingleToSdp. */
export type JingleToSdpOptions = {
  /** o= sess-id: 1–20 digits, the same for the whole session. */
  readonly sessionId: string;
  /** o= sess-version: increase it for every new description of the session. */
  readonly sessionVersion: number;
  /** 'offer' when the Jingle peer is the initiator (session-initiate, source-add), 'answer' for its session-accept. */
  readonly role: 'offer' | 'answer';
  /** The description last produced for this session (offers only): keeps m-lines and mids stable. */
  readonly previous?: Sdp;
  /**
   * The Jingle peer is an ICE-lite agent (Plenum's bridge): session-level a=ice-lite, so the
   * browser takes the controlling role and nominates a pair itself (RFC 8445 §6.1.1). Without it
   * the browser waits, controlled, for a nomination a lite agent never sends; Chromium picks a
   * pair anyway, Firefox stays in "checking" for ever.
   */
  readonly iceLite?: boolean;
};

type Slot = { mid: string; n: number; content: number; track: SourceTrack | undefined };

/** Remote sources of one RTP content: its own, plus (for the first content of a media) the JSON-encoded ones. */
function contentTracks(c: JingleContent, isFirstOfMedia: boolean, json: JingleSdpSession['sources']): SourceTrack[] {
  const desc = c.description;
  if (!desc) return [];
  const sources: MediaSource[] = [...desc.sources];
  const groups: SourceGroup[] = [...desc.sourceGroups];
  if (isFirstOfMedia && json) {
    for (const [owner, eps] of Object.entries(json)) {
      const [s, g] = desc.media === 'audio' ? [eps.audio, eps.audioGroups] : [eps.video, eps.videoGroups];
      sources.push(...s.map((x) => (x.owner === undefined ? { ...x, owner } : x)));
      groups.push(...g);
    }
  }
  const tracks = groupSourcesIntoTracks(sources, groups);
  // Stable sort: the bridge's mixedmslabel track first.
  return [...tracks.filter((t) => t.isMixed), ...tracks.filter((t) => !t.isMixed)];
}

/** The mid of the m-line each SSRC sat in, in the previous description. */
function previousMids(previous: Sdp): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of previous.media) for (const l of sdpLinesOf(m.lines, 'ssrc')) out.set(l.ssrc, sdpMediaMid(m) ?? '');
  return out;
}

type Layout = { contentTrack: (SourceTrack | undefined)[]; slots: Slot[] };

function placeTracks(session: JingleSdpSession, opts: JingleToSdpOptions): Result<Layout, SdpError> {
  const names = session.contents.map((c) => c.name);
  const slots: Slot[] = [];
  let midOfSsrc = new Map<number, string>();
  if (opts.previous !== undefined && opts.role === 'offer') {
    const mids = opts.previous.media.map((m) => sdpMediaMid(m) ?? '');
    const contentMids = mids.slice(0, names.length);
    const slotMids = mids.slice(names.length);
    if (contentMids.join('\n') !== names.join('\n') || slotMids.some((m) => receiveSlotNumber(m) === undefined)) {
      return err(sdpError('sdp/layout-mismatch', `previous m-lines [${mids.join(' ')}] do not start with contents [${names.join(' ')}] followed by slots`));
    }
    midOfSsrc = previousMids(opts.previous);
    opts.previous.media.slice(names.length).forEach((m, i) => {
      const mid = slotMids[i] as string;
      const content = session.contents.findIndex((c) => c.description?.media === m.media);
      slots.push({ mid, n: receiveSlotNumber(mid) as number, content, track: undefined });
    });
  }
  const slotByMid = new Map(slots.map((s) => [s.mid, s]));
  let nextSlot = slots.reduce((max, s) => Math.max(max, s.n), 0) + 1;
  const contentTrack: (SourceTrack | undefined)[] = names.map(() => undefined);
  const firstOfMedia = new Set<string>();
  for (const [ci, c] of session.contents.entries()) {
    const media = c.description?.media;
    const isFirst = media !== undefined && !firstOfMedia.has(media);
    if (media !== undefined) firstOfMedia.add(media);
    const tracks = contentTracks(c, isFirst, session.sources);
    if (opts.role === 'answer') {
      if (tracks.length > 1) return err(sdpError('sdp/too-many-tracks', `answer content ${c.name} has ${tracks.length} tracks; unified plan allows one`));
      contentTrack[ci] = tracks[0];
      continue;
    }
    const pending: SourceTrack[] = [];
    for (const t of tracks) {
      const was = t.sources.map((s) => midOfSsrc.get(s.ssrc)).find((m) => m !== undefined);
      const slot = was === undefined ? undefined : slotByMid.get(was);
      if (was === c.name && contentTrack[ci] === undefined) contentTrack[ci] = t;
      else if (slot && slot.track === undefined) slot.track = t;
      else pending.push(t);
    }
    // A content m-line whose track left in the previous description is not refilled in the same step
    // (the browser would silently hand the old receiver to another participant); it is free again once
    // a description without it has been applied, as lib-jitsi-meet reuses empty m-lines in P2P.
    const contentFree = !opts.previous || !opts.previous.media.some((m) => sdpMediaMid(m) === c.name && sdpLinesOf(m.lines, 'ssrc').length > 0);
    for (const t of pending) {
      if (contentTrack[ci] === undefined && (contentFree || t.isMixed)) contentTrack[ci] = t;
      else if (!t.isMixed) slots.push({ mid: receiveSlotMid(nextSlot), n: nextSlot++, content: ci, track: t });
    }
  }
  return ok({ contentTrack, slots });
}

function checkOptions(session: JingleSdpSession, opts: JingleToSdpOptions, ck: Checker): void {
  if (!/^\d{1,20}$/.test(opts.sessionId)) ck.problems.push(`sessionId ${JSON.stringify(String(opts.sessionId).slice(0, 30))} is not 1-20 digits`);
  ck.int(opts.sessionVersion, 0, Number.MAX_SAFE_INTEGER, 'sessionVersion');
  const seen = new Set<string>();
  for (const c of session.contents) {
    ck.word(c.name, 'content name');
    if (seen.has(c.name)) ck.problems.push(`content name ${JSON.stringify(c.name)} is not unique`);
    if (receiveSlotNumber(c.name) !== undefined) ck.problems.push(`content name ${JSON.stringify(c.name)} collides with receive-slot mids`);
    seen.add(c.name);
    if (!c.description && !c.transport?.sctp) ck.problems.push(`content ${JSON.stringify(c.name)} has neither an RTP description nor an SCTP map`);
  }
}

/**
 * Builds the SDP (unified plan) for a Jingle session's contents. Never throws; model values that
 * cannot be written as SDP give `sdp/invalid-input`.
 */
export function jingleToSdp(session: JingleSdpSession, opts: JingleToSdpOptions): Result<string, SdpError> {
  const ck = makeChecker();
  checkOptions(session, opts, ck);
  if (ck.problems.length > 0) return err(sdpError('sdp/invalid-input', ck.problems[0] as string));
  const placed = placeTracks(session, opts);
  if (!placed.ok) return placed;
  const { contentTrack, slots } = placed.value;
  const author = opts.role === 'offer' ? 'initiator' : 'responder';

  const media: SdpMedia[] = [];
  for (const [ci, c] of session.contents.entries()) {
    const place = { mid: c.name, rejected: false, withCandidates: true };
    if (c.description) {
      media.push(rtpSection(c.description, c.transport, place, directionFromSenders(c.senders, author), contentTrack[ci], author, ck));
    } else if (c.transport?.sctp) {
      media.push(sctpSection(c.transport, place, ck));
    }
  }
  for (const s of slots) {
    const c = session.contents[s.content];
    const prev = opts.previous?.media.find((m) => sdpMediaMid(m) === s.mid);
    const place = { mid: s.mid, rejected: s.track === undefined, withCandidates: false };
    if (c?.description) media.push(rtpSection(c.description, c.transport, place, 'sendonly', s.track, author, ck));
    else if (prev) media.push({ ...prev, port: 0, lines: [{ kind: 'mid', mid: s.mid }, { kind: 'direction', direction: 'inactive' }] });
  }

  const names = new Set(session.contents.map((c) => c.name));
  const sessionLines: SdpLine[] = [{ kind: 'timing', start: 0, stop: 0 }];
  if (opts.iceLite === true) sessionLines.push({ kind: 'raw', name: 'ice-lite' });
  let bundled = false;
  for (const g of session.groups) {
    const mids = g.contents.filter((m) => names.has(m));
    if (g.semantics === 'BUNDLE' && !bundled) {
      bundled = true;
      for (const s of slots) if (s.track && mids.includes(session.contents[s.content]?.name ?? '')) mids.push(s.mid);
    }
    if (mids.length > 0) sessionLines.push({ kind: 'group', semantics: ck.word(g.semantics, 'group semantics'), mids });
  }
  sessionLines.push({ kind: 'msid-semantic', semantic: 'WMS', tokens: ['*'], leadingSpace: true });
  // lib-jitsi-meet fromJingle: any fingerprint with cryptex="true" turns on session-level a=cryptex (RFC 9335).
  if (session.contents.some((c) => c.transport?.fingerprints.some((f) => f.cryptex === true))) sessionLines.push({ kind: 'raw', name: 'cryptex' });

  if (ck.problems.length > 0) return err(sdpError('sdp/invalid-input', ck.problems[0] as string));
  const text = writeSdp({
    origin: { username: '-', sessionId: opts.sessionId, sessionVersion: String(opts.sessionVersion), netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    sessionName: '-',
    session: sessionLines,
    media,
  });
  if (text.length > MAX_SDP_CHARS) return err(sdpError('sdp/too-large', `description of ${text.length} characters exceeds ${MAX_SDP_CHARS}`));
  return ok(text);
}
