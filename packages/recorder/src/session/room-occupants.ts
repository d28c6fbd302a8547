// What the composed view needs from the room's presences (protocols.md §8): each occupant's
// display name (`<nick xmlns="http://jabber.org/protocol/nick">`) and their sources' state from
// Jitsi's `<SourceInfo>` JSON (`{"<ep>-v0":{"muted":true,"videoType":"desktop"}}`): a muted camera is
// drawn as a name tile, a desktop source as the large screen share. Occupants who left are gone.
import type { El } from '@plenum/xmpp/codec';
import { child } from '@plenum/xmpp/codec';

const NS_NICK = 'http://jabber.org/protocol/nick';
/** Bigger SourceInfo payloads are ignored (a client has a handful of sources). */
const MAX_SOURCE_INFO_CHARS = 16_384;

export type SourceState = { readonly isMuted: boolean; readonly videoType: 'camera' | 'desktop' | undefined };

type Occupant = { name: string; sources: Map<string, SourceState> };

const textOf = (e: El | undefined): string | undefined => (e === undefined ? undefined : e.children.filter((c): c is string => typeof c === 'string').join(''));

/** Source states from a SourceInfo text; undefined when it is malformed (the previous state stays). */
export function decodeSourceInfo(text: string): Map<string, SourceState> | undefined {
  if (text.length > MAX_SOURCE_INFO_CHARS) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A client's malformed SourceInfo must not end the recording: keep what was known.
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const states = new Map<string, SourceState>();
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) continue;
    const { muted, videoType } = v as { muted?: unknown; videoType?: unknown };
    states.set(name, { isMuted: muted === true, videoType: videoType === 'desktop' || videoType === 'camera' ? videoType : undefined });
  }
  return states;
}

export class RoomOccupants {
  readonly #occupants = new Map<string, Occupant>();

  /** An occupant's presence (available); true when something the composed view shows changed. */
  update(nick: string, presence: El): boolean {
    const known = this.#occupants.get(nick);
    const name = textOf(child(presence, 'nick', NS_NICK))?.trim();
    const info = textOf(child(presence, 'SourceInfo'));
    const sources = info === undefined ? undefined : decodeSourceInfo(info);
    const next: Occupant = { name: name ?? known?.name ?? '', sources: sources ?? known?.sources ?? new Map() };
    this.#occupants.set(nick, next);
    return known === undefined || known.name !== next.name || JSON.stringify([...known.sources]) !== JSON.stringify([...next.sources]);
  }

  /** The occupant left; true if they were known. */
  remove(nick: string): boolean {
    return this.#occupants.delete(nick);
  }

  has(nick: string): boolean {
    return this.#occupants.has(nick);
  }

  /** The display name, or '' when they set none. */
  nameOf(nick: string): string {
    return this.#occupants.get(nick)?.name ?? '';
  }

  /** The state its owner announced for a source (by source name). */
  sourceState(owner: string, sourceName: string): SourceState | undefined {
    return this.#occupants.get(owner)?.sources.get(sourceName);
  }
}
