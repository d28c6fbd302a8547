// Who is in the brewery, from the room's presence (XEP-0045 §7.2): nick → real JID (when the room
// shows it), affiliation and role. The control handler authorises COLIBRI2 senders against it. Pure.
import type { El, Jid } from '@plenum/xmpp/codec';
import { bareJid, child, decodeMucUserX, MucStatus, NS_MUC_USER, parseJid, toBare } from '@plenum/xmpp/codec';

/** One occupant as the bridge sees it. */
export type BreweryOccupant = {
  readonly nick: string;
  /** Full real JID from `<item jid>`: present when the room is non-anonymous or we are a moderator. */
  readonly realJid: Jid | undefined;
  readonly affiliation: string | undefined;
  readonly role: string | undefined;
};

/** What one presence meant for the bridge. */
export type BreweryPresenceEvent =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'self-joined'; readonly createdRoom: boolean; readonly affiliation: string | undefined }
  | { readonly kind: 'self-left' }
  | { readonly kind: 'self-refused'; readonly condition: string }
  | { readonly kind: 'occupant'; readonly occupant: BreweryOccupant }
  | { readonly kind: 'occupant-left'; readonly nick: string };

/** The brewery's occupants, updated presence by presence. */
export class BreweryRoster {
  readonly #room: string;
  readonly #selfNick: string;
  readonly #occupants = new Map<string, BreweryOccupant>();

  /** `room` is the brewery's bare JID. */
  constructor(room: string, selfNick: string) {
    this.#room = room.toLowerCase();
    this.#selfNick = selfNick;
  }

  get(nick: string): BreweryOccupant | undefined {
    return this.#occupants.get(nick);
  }

  get size(): number {
    return this.#occupants.size;
  }

  /** True when `from` is an occupant JID of this brewery; returns the nick. */
  nickOf(from: Jid): string | undefined {
    return bareJid(toBare(from)) === this.#room && from.resource !== '' ? from.resource : undefined;
  }

  /** Forgets everyone (we left, or the connection dropped). */
  clear(): void {
    this.#occupants.clear();
  }

  /** Applies one presence stanza; anything not from this room is ignored. */
  handle(presence: El): BreweryPresenceEvent {
    const from = parseJid(presence.attrs.from ?? '');
    if (!from.ok) return { kind: 'ignored' };
    const nick = this.nickOf(from.value);
    if (nick === undefined) return { kind: 'ignored' };
    const x = child(presence, 'x', NS_MUC_USER);
    const decoded = x === undefined ? undefined : decodeMucUserX(x);
    const user = decoded?.ok === true ? decoded.value : undefined;
    const isSelf = nick === this.#selfNick || (user?.statuses.includes(MucStatus.self) ?? false);
    const type = presence.attrs.type;
    if (type === 'error') {
      if (!isSelf) return { kind: 'ignored' };
      const error = child(presence, 'error');
      const condition = error?.children.find((c): c is El => typeof c !== 'string' && c.name !== 'text')?.name ?? 'undefined-condition';
      return { kind: 'self-refused', condition };
    }
    if (type === 'unavailable') {
      if (isSelf) {
        this.clear();
        return { kind: 'self-left' };
      }
      this.#occupants.delete(nick);
      return { kind: 'occupant-left', nick };
    }
    if (type !== undefined) return { kind: 'ignored' };
    const item = user?.items[0];
    if (isSelf) {
      return { kind: 'self-joined', createdRoom: user?.statuses.includes(MucStatus.roomCreated) ?? false, affiliation: item?.affiliation };
    }
    const real = item?.jid === undefined ? undefined : parseJid(item.jid);
    const occupant: BreweryOccupant = {
      nick, realJid: real?.ok === true ? real.value : undefined, affiliation: item?.affiliation, role: item?.role,
    };
    this.#occupants.set(nick, occupant);
    return { kind: 'occupant', occupant };
  }
}

