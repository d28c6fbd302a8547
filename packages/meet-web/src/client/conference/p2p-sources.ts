// A direct (P2P) session's view of the peer's description when a track starts late (protocols.md
// §2.4). Neither side changes its Jingle role: the initiator keeps offering and the responder keeps
// answering, each renegotiating its own peer connection against the peer's last description kept
// here, and a source-add tells the peer about the new sources (as lib-jitsi-meet does in P2P).
// These are the pure updates of that kept description: who sends on a content, and its sources.
import type { Jingle, JingleContent, MediaSource, SourceGroup } from '@plenum/xmpp/codec';

type Senders = JingleContent['senders'];
type Party = 'initiator' | 'responder';

/** At most this many SSRCs per content from the peer (a camera with RTX needs 2; jicofo allows 20 per endpoint). */
export const MAX_PEER_SOURCES_PER_CONTENT = 20;

/** `senders` once `party` sends too. */
export function withSender(senders: Senders, party: Party): Senders {
  if (senders === 'both' || senders === party) return senders;
  return senders === 'none' ? party : 'both';
}

/** `senders` once `party` stopped sending. */
export function withoutSender(senders: Senders, party: Party): Senders {
  const other: Party = party === 'initiator' ? 'responder' : 'initiator';
  if (senders === 'both') return other;
  return senders === party ? 'none' : senders;
}

/** The kept description after we (`us`) started sending on content `name`. */
export function withOwnSending(remote: Jingle, name: string, us: Party): Jingle {
  return { ...remote, contents: remote.contents.map((c) => (c.name === name ? { ...c, senders: withSender(c.senders, us) } : c)) };
}

export type PeerSourcesResult =
  | { readonly ok: true; readonly remote: Jingle }
  | { readonly ok: false; readonly condition: 'bad-request'; readonly text: string };

/**
 * The kept description after the peer's source-add or source-remove (`change`); the peer is `peer`.
 * Added sources join the content of the same name and make the peer a sender there; a content left
 * without sources stops having the peer as a sender. Unknown contents or too many sources are refused.
 */
export function withPeerSources(remote: Jingle, change: Jingle, peer: Party): PeerSourcesResult {
  const adding = change.action === 'source-add';
  if (!adding && change.action !== 'source-remove') return { ok: false, condition: 'bad-request', text: `${change.action} changes no sources` };
  let contents = remote.contents;
  for (const c of change.contents) {
    const d = c.description;
    if (d === undefined) continue;
    const index = contents.findIndex((x) => x.name === c.name);
    const kept = contents[index];
    const keptDescription = kept?.description;
    if (kept === undefined || keptDescription === undefined || keptDescription.media !== d.media) {
      return { ok: false, condition: 'bad-request', text: `no ${d.media} content ${JSON.stringify(c.name.slice(0, 40))} in this session` };
    }
    let sources: readonly MediaSource[];
    let groups: readonly SourceGroup[];
    if (adding) {
      const known = new Set(keptDescription.sources.map((s) => s.ssrc));
      sources = [...keptDescription.sources, ...d.sources.filter((s) => !known.has(s.ssrc))];
      const groupKey = (g: SourceGroup): string => `${g.semantics} ${g.ssrcs.join(' ')}`;
      const knownGroups = new Set(keptDescription.sourceGroups.map(groupKey));
      groups = [...keptDescription.sourceGroups, ...d.sourceGroups.filter((g) => !knownGroups.has(groupKey(g)))];
      if (sources.length > MAX_PEER_SOURCES_PER_CONTENT) {
        return { ok: false, condition: 'bad-request', text: `content ${c.name} would have ${sources.length} sources (at most ${MAX_PEER_SOURCES_PER_CONTENT})` };
      }
    } else {
      const gone = new Set(d.sources.map((s) => s.ssrc));
      sources = keptDescription.sources.filter((s) => !gone.has(s.ssrc));
      groups = keptDescription.sourceGroups.filter((g) => !g.ssrcs.some((s) => gone.has(s)));
    }
    const senders = sources.length > 0 ? withSender(kept.senders, peer) : withoutSender(kept.senders, peer);
    const updated: JingleContent = { ...kept, senders, description: { ...keptDescription, sources, sourceGroups: groups } };
    contents = contents.map((x, i) => (i === index ? updated : x));
  }
  return { ok: true, remote: { ...remote, contents } };
}

/** The source-add content announcing our sources of one m-line (content `name`, our role `us`). */
export function sourceAddContent(name: string, us: Party, media: 'audio' | 'video', sources: readonly MediaSource[], groups: readonly SourceGroup[]): JingleContent {
  return {
    name, creator: us, senders: 'both',
    description: { media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: false, sources: [...sources], sourceGroups: [...groups] },
  };
}
