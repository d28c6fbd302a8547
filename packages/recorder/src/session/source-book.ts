// Which SSRC is whose: the sources the focus signals to the recorder (session-initiate, then
// source-add / source-remove; XEP-0339 in the descriptions or Jitsi's JSON form, protocols.md §2.2),
// with the codec the offer negotiated for their media. RTX SSRCs (second of an FID group) and the
// bridge's own feedback sources (owner `jvb`) are not recorded.
import type { EndpointSources, Jingle, MediaSource, PayloadType, SourceGroup } from '@plenum/xmpp/codec';
import type { RecordedSource } from '../media/recorded-source.ts';

type Codecs = { readonly audio?: PayloadType; readonly video?: PayloadType };

const codecOf = (offer: Jingle, media: 'audio' | 'video', name: string): PayloadType | undefined =>
  offer.contents.find((c) => c.description?.media === media)?.description?.payloadTypes.find((p) => p.name.toLowerCase() === name.toLowerCase());

const endpointIdOf = (owner: string | undefined): string | undefined => (owner === undefined ? undefined : owner.slice(owner.lastIndexOf('/') + 1));

const rtxSsrcs = (groups: readonly SourceGroup[]): Set<number> => new Set(groups.filter((g) => g.semantics === 'FID').flatMap((g) => g.ssrcs.slice(1)));

export class SourceBook {
  readonly #sources = new Map<number, RecordedSource>();
  readonly #codecs: Codecs;

  constructor(offer: Jingle) {
    const audio = codecOf(offer, 'audio', 'opus');
    const video = codecOf(offer, 'video', 'VP8');
    this.#codecs = { ...(audio !== undefined ? { audio } : {}), ...(video !== undefined ? { video } : {}) };
  }

  get(ssrc: number): RecordedSource | undefined {
    return this.#sources.get(ssrc);
  }

  all(): RecordedSource[] {
    return [...this.#sources.values()];
  }

  /** Adds the sources of a session-initiate or source-add; returns the new ones. */
  add(j: Jingle): RecordedSource[] {
    const added: RecordedSource[] = [];
    for (const [media, sources, groups, owner] of this.#entries(j)) {
      const rtx = rtxSsrcs(groups);
      for (const s of sources) {
        // XEP-0339 ssrc-info carries the owner's occupant JID; its resource is the endpoint id.
        const o = endpointIdOf(s.owner) ?? owner;
        if (rtx.has(s.ssrc) || o === undefined || o === 'jvb' || this.#sources.has(s.ssrc)) continue;
        const codec = this.#codecs[media];
        if (codec === undefined) continue;
        const source: RecordedSource = {
          ssrc: s.ssrc, name: s.name ?? `${o}-${media === 'audio' ? 'a' : 'v'}0`, owner: o, media, payloadType: codec.id,
          codec: media === 'audio' ? 'opus' : 'VP8', clockRate: codec.clockrate, ...(media === 'audio' ? { channels: codec.channels ?? 2 } : {}),
          ...(media === 'video' && s.videoType !== undefined ? { videoType: s.videoType } : {}),
        };
        this.#sources.set(s.ssrc, source);
        added.push(source);
      }
    }
    return added;
  }

  /** Removes the sources of a source-remove; returns the removed ones. */
  remove(j: Jingle): RecordedSource[] {
    const removed: RecordedSource[] = [];
    for (const [, sources] of this.#entries(j)) {
      for (const s of sources) {
        const known = this.#sources.get(s.ssrc);
        if (known === undefined) continue;
        this.#sources.delete(s.ssrc);
        removed.push(known);
      }
    }
    return removed;
  }

  /** (media, sources, groups, owner-if-known) from both encodings. */
  *#entries(j: Jingle): Iterable<readonly ['audio' | 'video', readonly MediaSource[], readonly SourceGroup[], string | undefined]> {
    for (const c of j.contents) {
      const d = c.description;
      if (d !== undefined) yield [d.media, d.sources, d.sourceGroups, undefined];
    }
    for (const [owner, es] of Object.entries(j.jsonSources ?? {}) as [string, EndpointSources][]) {
      yield ['audio', es.audio, es.audioGroups, owner];
      yield ['video', es.video, es.videoGroups, owner];
    }
  }
}
