import type { Clock, Logger } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, formatJid, parseJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { child, children, el, text } from '../../codec/xml/index.ts';
import type { MucAffiliation, MucJoin } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC_USER, MucStatus, affiliationRank } from '../../codec/xep-0045-muc/index.ts';
import type { DataField } from '../../codec/xep-0004-data-forms/index.ts';
import type { LobbyNotify } from '../../codec/jitsi-lobby/index.ts';
import { FIELD_LOBBY_ROOM, LOBBY_IDENTITY_TYPE, encodeDisplayNameRequired, encodeLobbyNotify, encodeLobbyRoomRef } from '../../codec/jitsi-lobby/index.ts';
import type { MucHooks, MucAdmission } from './muc-hooks.ts';
import type { MucOccupantView, MucRoom } from './muc-types.ts';
import type { Room } from './muc-room.ts';
import type { Occupant } from './occupant.ts';
import { MucService } from './muc-service.ts';
import { applyAffiliation } from './muc-admin.ts';
import { MucErrors } from './muc-errors.ts';

const NS_NICK = 'http://jabber.org/protocol/nick';
/** The reason in the `<destroy>` knockers get when their lobby room goes away (Jitsi's wording). */
const LOBBY_CLOSED_REASON = 'Lobby room closed.';
const ADMIN_RANK = affiliationRank('admin');

/** Settings of the lobby (the `lobby` section of the server config). */
export type LobbyRoomsConfig = {
  /** The lobby MUC domain, e.g. lobby.plenum.localhost. */
  readonly domain: string;
  /** Domains or bare JIDs that skip the lobby (recorder, SIP gateway); Jitsi's muc_lobby_whitelist. */
  readonly whitelist: readonly string[];
  /** Most occupants of one lobby room; the main room's owners waiting there do not count. */
  readonly maxKnockersPerRoom: number;
  /** A knocker must give a display name (`<nick>`) before being sent to the lobby. */
  readonly requireDisplayName: boolean;
};

/** What the lobby needs from the server. */
export type LobbyRoomsDeps = {
  readonly config: LobbyRoomsConfig;
  readonly log: Logger;
  readonly clock: Clock;
  newId(): string;
  /** Sends a stanza whose from/to are set. */
  deliver(stanza: El): void;
  /** Most lobby rooms at once (one per main room with the lobby on). */
  readonly maxRooms: number;
  /** The main MUC's room by bare JID (the lobby never changes it through this view). */
  mainRoom(bare: string): MucRoom | undefined;
};

/**
 * Jitsi's lobby (prosody mod_muc_lobby_rooms, protocols.md §8.4). When an owner makes a main room
 * members-only, a room of the same name opens on the lobby MUC; non-members who try the main room
 * are refused with 407 and told that room's JID; they knock there with a display name; owners of
 * the main room wait there too and see the knockers (nobody else sees anybody). An owner approves
 * with a mediated invitation to the main room (the knocker becomes a member) or denies by kicking
 * the knocker from the lobby room. Turning the lobby off destroys the lobby room pointing at the
 * main room (knockers walk in); the main room ending destroys it without a venue.
 *
 * `service` handles the lobby domain; `hooks` go into the main MUC service's deps.
 */
export class LobbyRooms {
  /** The lobby MUC service: route stanzas for `config.domain` to it. */
  readonly service: MucService;
  /** Extension points for the main MUC service. */
  readonly hooks: MucHooks;
  readonly #deps: LobbyRoomsDeps;
  /** Lobby room JID by main room JID, for every main room whose lobby is on. */
  readonly #lobbies = new Map<string, string>();
  /** Main room JID by lobby room JID. */
  readonly #mainOf = new Map<string, string>();

  constructor(deps: LobbyRoomsDeps) {
    this.#deps = deps;
    const { config } = deps;
    this.service = new MucService({
      domain: config.domain,
      log: deps.log,
      clock: deps.clock,
      newId: () => deps.newId(),
      deliver: (stanza) => this.#deliverVisible(stanza),
      policy: {
        // Nobody administers lobby rooms: the main room's owners are their owners.
        isAdmin: () => false,
        mayEnter: (_real, room) => (this.#mainOf.has(bareJid(room)) ? undefined : MucErrors.roomNotFound()),
      },
      // Non-anonymous so owners learn the knocker's real JID, which their invitation needs.
      config: {
        restrictRoomCreation: true, lockNewRooms: false, maxRooms: deps.maxRooms,
        maxOccupantsPerRoom: config.maxKnockersPerRoom, maxHistoryMessages: 0, defaultWhois: 'anyone',
      },
      hooks: {
        answersDiscoNode: (node) => node === LOBBY_IDENTITY_TYPE,
        linkedAffiliation: (lobbyJid, real) => this.#mainAffiliation(lobbyJid, real),
        kicked: (lobbyRoom, occupant, actor) => this.#denied(lobbyRoom, occupant, actor),
      },
    });
    this.hooks = {
      admission: (room, real, presence, join) => this.#admission(room, real, presence, join),
      configured: (room, actor) => this.#configured(room, actor),
      invited: (room, inviter, invitee) => this.#invited(room, inviter, invitee),
      closed: (room) => this.#mainClosed(room),
      roomInfo: (room) => this.#roomInfo(room),
    };
  }

  /** The lobby room JID of a main room, when its lobby is on. */
  lobbyOf(mainRoomJid: string): string | undefined {
    return this.#lobbies.get(mainRoomJid);
  }

  /** Lobbies that are on (for stats and tests of boundedness). */
  get size(): number {
    return this.#lobbies.size;
  }

  /** Jitsi's muc-occupant-pre-join hook: members and the whitelisted pass, the rest knock. */
  #admission(room: Room, real: Jid, presence: El, join: MucJoin | undefined): MucAdmission | undefined {
    const lobbyJid = this.#lobbies.get(room.jid);
    if (lobbyJid === undefined) return undefined;
    const bare = bareJid(real);
    // An approved knocker: no password needed either (Jitsi fills it in for members).
    if (room.affiliationOf(bare) === 'member') return { kind: 'admit' };
    const hasPassword = room.config.password !== '' && join?.password === room.config.password;
    if (hasPassword || this.#isWhitelisted(real)) {
      room.affiliations.set(bare, 'member');
      return { kind: 'admit' };
    }
    if (this.#deps.config.requireDisplayName && displayName(presence.children.filter((c): c is El => typeof c !== 'string')) === undefined) {
      return { kind: 'refuse', refusal: { type: 'modify', condition: 'not-acceptable', text: 'a display name is required to knock', errorChildren: [encodeDisplayNameRequired()] } };
    }
    return {
      kind: 'refuse',
      refusal: {
        ...MucErrors.membersOnly(),
        errorChildren: [encodeLobbyRoomRef(lobbyJid)],
        // COMPAT(Jitsi mobile < 2023, jigasi): they read a plain <lobbyroom> beside the error.
        stanzaChildren: [el('lobbyroom', {}, lobbyJid)],
      },
    };
  }

  #isWhitelisted(real: Jid): boolean {
    const bare = bareJid(real);
    return this.#deps.config.whitelist.some((entry) => {
      const e = entry.toLowerCase();
      return e.includes('@') ? e === bare : e === real.domain;
    });
  }

  /**
   * Jitsi's muc-config-submitted hook, driven by the resulting state: members-only turns the lobby
   * on, anything else turns it off. The focus configuring its room never touches the lobby.
   */
  #configured(room: Room, actor: Jid): void {
    if (room.host.deps.policy.isAdmin(actor)) return;
    const isOn = this.#lobbies.has(room.jid);
    if (room.config.isMembersOnly && !isOn) this.#enable(room, actor);
    else if (!room.config.isMembersOnly && isOn) this.#disable(room, actor);
  }

  #enable(room: Room, actor: Jid): void {
    const actorOccupant = room.bySession.get(formatJid(actor));
    // Everyone present stays: below-member occupants become members before members-only would
    // remove them (Jitsi's client grants this itself, and its create-lobby-room path does the same).
    const actorRef = actorOccupant !== undefined ? { nick: actorOccupant.nick } : { jid: bareJid(actor) };
    const bares = new Set<string>();
    for (const occ of room.byNick.values()) if (occ.affiliation === 'none') bares.add(occ.bare);
    for (const bare of bares) applyAffiliation(room, bare, 'member', actorRef, undefined);
    const lobbyJid = `${room.jid.slice(0, room.jid.indexOf('@'))}@${this.#deps.config.domain}`;
    const opened = this.service.openPersistentRoom(lobbyJid);
    if ('condition' in opened) {
      // The room stays members-only without a lobby: non-members get a plain 407.
      this.#deps.log.warn('lobby room not opened', { room: room.jid, reason: opened.condition });
      return;
    }
    this.#lobbies.set(room.jid, lobbyJid);
    this.#mainOf.set(lobbyJid, room.jid);
    this.#notify(room, actorOccupant, { event: 'LOBBY-ENABLED', value: true });
    this.#deps.log.info('lobby enabled', { room: room.jid, lobby: lobbyJid });
  }

  #disable(room: Room, actor: Jid): void {
    this.#closeLobby(room.jid, room.jid);
    this.#notify(room, room.bySession.get(formatJid(actor)), { event: 'LOBBY-ENABLED', value: false });
    this.#deps.log.info('lobby disabled', { room: room.jid });
  }

  /** Destroys the lobby room; `venue` (the main room) tells knockers to go there now. */
  #closeLobby(mainJid: string, venue: string | undefined): void {
    const lobbyJid = this.#lobbies.get(mainJid);
    if (lobbyJid === undefined) return;
    this.#lobbies.delete(mainJid);
    this.#mainOf.delete(lobbyJid);
    this.service.destroyRoom(lobbyJid, { reason: LOBBY_CLOSED_REASON, ...(venue !== undefined ? { jid: venue } : {}) });
  }

  /** The main room ended: knockers are told (a `<destroy>` without venue) and the lobby is gone. */
  #mainClosed(room: Room): void {
    if (!this.#lobbies.has(room.jid)) return;
    this.#closeLobby(room.jid, undefined);
    this.#deps.log.info('lobby closed with its room', { room: room.jid });
  }

  #roomInfo(room: Room): readonly DataField[] {
    const lobbyJid = this.#lobbies.get(room.jid);
    if (lobbyJid === undefined || !room.config.isMembersOnly) return [];
    return [{ var: FIELD_LOBBY_ROOM, type: 'text-single', label: 'Lobby room jid', values: [lobbyJid] }];
  }

  /** Approval (Jitsi's muc-invite hook): the invitation made the knocker a member; owners learn who was let in. */
  #invited(room: Room, inviter: Jid, invitee: Jid): void {
    const lobbyJid = this.#lobbies.get(room.jid);
    const lobby = lobbyJid === undefined ? undefined : this.service.room(lobbyJid);
    if (lobby === undefined) return;
    const full = formatJid(invitee);
    const knocker = lobby.occupants().find((o) => o.realJids.includes(full));
    if (knocker === undefined) return;
    const name = displayName(knocker.presence.filter((c): c is El => typeof c !== 'string'));
    this.#notify(room, room.bySession.get(formatJid(inviter)), { event: 'LOBBY-ACCESS-GRANTED', value: knocker.nick, ...(name !== undefined ? { name } : {}) });
    this.#deps.log.debug('lobby knocker approved', { room: room.jid, nick: knocker.nick });
  }

  /** Denial: a kick from the lobby room; the knocker got 307, the main room's occupants get the notice. */
  #denied(lobbyRoom: Room, knocker: Occupant, actor: Jid): void {
    const mainJid = this.#mainOf.get(lobbyRoom.jid);
    const main = mainJid === undefined ? undefined : this.#mainRoomInternal(mainJid);
    if (main === undefined) return;
    const name = displayName(knocker.payload.filter((c): c is El => typeof c !== 'string'));
    this.#notify(main, main.bySession.get(formatJid(actor)), { event: 'LOBBY-ACCESS-DENIED', value: knocker.nick, ...(name !== undefined ? { name } : {}) });
    this.#deps.log.debug('lobby knocker denied', { room: main.jid, nick: knocker.nick });
  }

  /** The main room as the MUC module's Room (both services live in this module). */
  #mainRoomInternal(bare: string): Room | undefined {
    return this.#deps.mainRoom(bare) as Room | undefined;
  }

  /** Jitsi broadcasts lobby notices as groupchat from the acting occupant; without one in the room, nobody is told. */
  #notify(room: Room, actor: Occupant | undefined, notice: LobbyNotify): void {
    if (actor === undefined) return;
    room.broadcast(el('message', { from: actor.occupantJid, type: 'groupchat' }, encodeLobbyNotify(notice)));
  }

  /** Lobby rooms have no affiliations of their own: a main-room owner owns its lobby, everyone else has theirs from there. */
  #mainAffiliation(lobbyJid: string, real: Jid): MucAffiliation {
    const mainJid = this.#mainOf.get(lobbyJid);
    const main = mainJid === undefined ? undefined : this.#deps.mainRoom(mainJid);
    return main === undefined ? 'none' : main.affiliationOf(bareJid(real));
  }

  /**
   * Who sees whom in a lobby room (Jitsi filters the lobby's outgoing stanzas the same way): each
   * occupant its own presence; owners of the main room every knocker's presence, not each other's;
   * messages and IQs between occupants only when one side is an owner (and a sender's own echo).
   * Knockers never learn of each other. Errors and what the room itself sends pass.
   */
  #deliverVisible(stanza: El): void {
    const from = parseJid(stanza.attrs.from ?? '');
    if (!from.ok || from.value.resource === '' || stanza.attrs.type === 'error') return this.#deps.deliver(stanza);
    if (stanza.name === 'presence') {
      const x = child(stanza, 'x', NS_MUC_USER);
      if (x === undefined || children(x, 'status').some((s) => s.attrs.code === String(MucStatus.self))) return this.#deps.deliver(stanza);
    }
    const lobby = this.service.room(bareJid(from.value));
    if (lobby === undefined) return this.#deps.deliver(stanza);
    const sender: MucOccupantView | undefined = lobby.occupant(from.value.resource);
    const isFromOwner = sender !== undefined && affiliationRank(sender.affiliation) >= ADMIN_RANK;
    const to = parseJid(stanza.attrs.to ?? '');
    const isToOwner = to.ok && affiliationRank(this.#mainAffiliation(lobby.jid, to.value)) >= ADMIN_RANK;
    // A sender's own groupchat comes back to it (XEP-0045 §7.4), as in any room.
    const isToSelf = sender !== undefined && sender.realJids.includes(stanza.attrs.to ?? '');
    const isVisible = stanza.name === 'presence' ? isToOwner && !isFromOwner : isToOwner || isFromOwner || isToSelf;
    if (isVisible) this.#deps.deliver(stanza);
  }
}

/** The `<nick xmlns="http://jabber.org/protocol/nick">` among presence children (XEP-0172), trimmed; undefined when absent or blank. */
function displayName(payload: readonly El[]): string | undefined {
  const nick = payload.find((c) => c.name === 'nick' && c.attrs.xmlns === NS_NICK);
  const value = nick === undefined ? '' : text(nick).trim();
  return value === '' ? undefined : value;
}
