// The other participants' audio sources as the focus signals them to the call (session-initiate,
// then source-add / source-remove; XEP-0339 in the descriptions or Jitsi's JSON form, protocols.md
// §2.2–§2.3). The mixer keeps one decoder per SSRC: it must learn when a source is gone. Video and
// the bridge's own feedback sources (owner `jvb`) are not tracked. Pure.
import type { EndpointSources, Jingle, MediaSource } from '@plenum/xmpp/codec';

/** One audio source of another participant. */
export type RemoteAudioSource = { readonly ssrc: number; readonly owner: string; readonly name: string | undefined };

const JVB_OWNER = 'jvb';

/** XEP-0339 `ssrc-info owner` is the occupant JID; its resource is the endpoint id. JSON owners are endpoint ids already. */
const endpointIdOf = (owner: string): string => owner.slice(owner.lastIndexOf('/') + 1);

/** SSRC → source, for one session. */
export class RemoteAudioSources {
  readonly #sources = new Map<number, RemoteAudioSource>();

  constructor(private readonly ownSsrc: number) {}

  get size(): number {
    return this.#sources.size;
  }

  get(ssrc: number): RemoteAudioSource | undefined {
    return this.#sources.get(ssrc);
  }

  all(): RemoteAudioSource[] {
    return [...this.#sources.values()];
  }

  /** Adds the audio sources of a session-initiate or source-add; returns the new ones. */
  add(j: Jingle): RemoteAudioSource[] {
    const added: RemoteAudioSource[] = [];
    for (const s of audioSourcesOf(j, this.ownSsrc)) {
      if (this.#sources.has(s.ssrc)) continue;
      this.#sources.set(s.ssrc, s);
      added.push(s);
    }
    return added;
  }

  /** Removes the audio sources of a source-remove; returns the ones that were known. */
  remove(j: Jingle): RemoteAudioSource[] {
    const removed: RemoteAudioSource[] = [];
    // By SSRC alone: a source-remove need not repeat the owner.
    for (const ssrc of audioSsrcsOf(j)) {
      const known = this.#sources.get(ssrc);
      if (known === undefined) continue;
      this.#sources.delete(ssrc);
      removed.push(known);
    }
    return removed;
  }

  /**
   * A fresh session-initiate (the focus moved the call to another bridge) lists every current
   * source again: returns the sources that are gone, and the ones that are new.
   */
  replace(offer: Jingle): { readonly removed: RemoteAudioSource[]; readonly added: RemoteAudioSource[] } {
    const next = new Map(audioSourcesOf(offer, this.ownSsrc).map((s) => [s.ssrc, s] as const));
    const removed = [...this.#sources.values()].filter((s) => !next.has(s.ssrc));
    const added = [...next.values()].filter((s) => !this.#sources.has(s.ssrc));
    this.#sources.clear();
    for (const [ssrc, s] of next) this.#sources.set(ssrc, s);
    return { removed, added };
  }
}

/** Others' audio sources of a Jingle element in both encodings, without the bridge's and our own; one SSRC once. */
function audioSourcesOf(j: Jingle, ownSsrc: number): RemoteAudioSource[] {
  const out = new Map<number, RemoteAudioSource>();
  const read = (s: MediaSource, owner: string | undefined): void => {
    if (owner === undefined || owner === JVB_OWNER || s.ssrc === ownSsrc || out.has(s.ssrc)) return;
    out.set(s.ssrc, { ssrc: s.ssrc, owner, name: s.name });
  };
  for (const c of j.contents) {
    const d = c.description;
    if (d === undefined || d.media !== 'audio') continue;
    for (const s of d.sources) read(s, s.owner === undefined ? undefined : endpointIdOf(s.owner));
  }
  for (const [owner, es] of Object.entries(j.jsonSources ?? {}) as [string, EndpointSources][]) {
    for (const s of es.audio) read(s, owner);
  }
  return [...out.values()];
}

/** Every audio SSRC a Jingle element names, in both encodings. */
function audioSsrcsOf(j: Jingle): number[] {
  const out: number[] = [];
  for (const c of j.contents) if (c.description?.media === 'audio') for (const s of c.description.sources) out.push(s.ssrc);
  for (const es of Object.values(j.jsonSources ?? {}) as EndpointSources[]) for (const s of es.audio) out.push(s.ssrc);
  return out;
}
