import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, parseJid, toBare } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { iqPayload } from '../../codec/stanza/index.ts';
import type { MucDestroy } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC_ADMIN, NS_MUC_OWNER, MucStatus } from '../../codec/xep-0045-muc/index.ts';
import type { MucRoom, MucServiceDeps } from './muc-types.ts';
export type { MucPolicy, MucServiceDeps, MucServiceConfig, MucRoom, MucOccupantView } from './muc-types.ts';
import type { RoomHost } from './muc-room.ts';
import { Room } from './muc-room.ts';
import type { RoomDirectory } from './room-presence.ts';
import { handleRoomPresence } from './room-presence.ts';
import { handleOccupantIq, handleOccupantMessage, handleRoomMessage } from './room-messages.ts';
import { handleAdminIq } from './muc-admin.ts';
import { destroyRoom, handleOwnerIq } from './muc-owner.ts';
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../codec/xep-0030-disco/index.ts';
import { handleRoomDisco, handleServiceDisco } from './muc-disco.ts';
import { defaultRoomConfig } from './room-config.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

/**
 * A XEP-0045 multi-user chat service (the role Prosody's mod_muc plays for Jitsi): pure logic over
 * stanzas. The server hands it every stanza addressed to its domain, a room or an occupant, and
 * it answers through `deps.deliver`. Rooms are temporary and in memory.
 */
export class MucService {
  readonly #deps: MucServiceDeps;
  readonly #rooms = new Map<string, Room>();
  readonly #host: RoomHost;
  readonly #directory: RoomDirectory;
  #occupants = 0;
  #isClosed = false;

  constructor(deps: MucServiceDeps) {
    this.#deps = deps;
    this.#host = {
      deps,
      occupantsChanged: (delta) => {
        this.#occupants += delta;
      },
      roomEmptied: (room) => {
        if (this.#rooms.get(room.jid) !== room) return;
        this.#rooms.delete(room.jid);
        deps.log.info('muc room closed', { room: room.jid });
        deps.hooks?.closed?.(room);
      },
    };
    this.#directory = {
      get: (bare) => this.#rooms.get(bare),
      create: (roomJid, creator) => this.#createRoom(roomJid, creator),
    };
  }

  /** A stanza addressed to the service, a room, or an occupant. `from` is the sender's verified full JID and equals stanza.attrs.from. */
  handle(stanza: El, from: Jid): void {
    const kind = stanza.name;
    if (kind !== 'message' && kind !== 'presence' && kind !== 'iq') return;
    if (this.#isClosed) return this.#refuse(stanza, MucErrors.shutDown());
    const parsed = parseJid(stanza.attrs.to ?? '');
    if (!parsed.ok) return this.#refuse(stanza, MucErrors.jidMalformed(parsed.error.text));
    const to = parsed.value;
    if (to.domain !== this.#deps.domain) return this.#refuse(stanza, MucErrors.unsupported());
    if (to.local === '') return this.#toService(stanza);
    if (kind === 'presence') return handleRoomPresence(this.#deps, this.#directory, stanza, from, to);
    const room = this.#rooms.get(bareJid(toBare(to)));
    if (room === undefined) return this.#refuse(stanza, MucErrors.roomNotFound());
    if (to.resource !== '') {
      if (kind === 'message') handleOccupantMessage(room, stanza, from, to.resource);
      else handleOccupantIq(room, stanza, from, to.resource);
      return;
    }
    if (kind === 'message') handleRoomMessage(room, stanza, from);
    else this.#toRoom(room, stanza, from);
  }

  /** Numbers for disco/stats. */
  get stats(): { rooms: number; occupants: number } {
    return { rooms: this.#rooms.size, occupants: this.#occupants };
  }

  /** Room lookup for other server parts (e.g. metrics, later lobby); `bare` is canonical (lower-case node). */
  room(bare: string): MucRoom | undefined {
    return this.#rooms.get(bare);
  }

  /**
   * Creates an empty room that survives being empty (a lobby room), with no affiliations of its own;
   * or says why not (room limit, name taken).
   */
  openPersistentRoom(bare: string): MucRoom | StanzaErrorBody {
    if (this.#isClosed) return MucErrors.shutDown();
    if (this.#rooms.has(bare)) return MucErrors.selfConflict('the room exists already');
    if (this.#rooms.size >= this.#deps.config.maxRooms) return MucErrors.tooManyRooms();
    const room = new Room(this.#host, bare, defaultRoomConfig(this.#deps.config.maxOccupantsPerRoom, this.#deps.config.defaultWhois), false);
    room.isPersistent = true;
    this.#rooms.set(bare, room);
    this.#deps.log.info('muc room opened', { room: bare });
    return room;
  }

  /** XEP-0045 §10.9 on behalf of the server: occupants get `<destroy>` (with `destroy.jid` as the new venue). False when there is no such room. */
  destroyRoom(bare: string, destroy: MucDestroy): boolean {
    const room = this.#rooms.get(bare);
    if (room === undefined) return false;
    destroyRoom(room, destroy);
    return true;
  }

  /** Ends every room, telling occupants the service shuts down (XEP-0045 §11.2, status 332). Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const room of [...this.#rooms.values()]) destroyRoom(room, undefined, [MucStatus.serviceShutdown]);
    this.#rooms.clear();
  }

  #createRoom(roomJid: Jid, creator: Jid): Room | StanzaErrorBody {
    if (this.#rooms.size >= this.#deps.config.maxRooms) return MucErrors.tooManyRooms();
    const cap = this.#deps.config.maxOccupantsPerRoom;
    const room = new Room(this.#host, bareJid(roomJid), defaultRoomConfig(cap, this.#deps.config.defaultWhois), this.#deps.config.lockNewRooms);
    // §10.1.1: the creator is the room's first owner.
    room.affiliations.set(bareJid(creator), 'owner');
    this.#rooms.set(room.jid, room);
    this.#deps.log.info('muc room created', { room: room.jid, meetingId: room.meetingId });
    return room;
  }

  /** Requests to the service itself: disco only (XEP-0045 §6.1–§6.3). */
  #toService(stanza: El): void {
    if (stanza.name === 'presence') return;
    const type = stanza.attrs.type;
    if (stanza.name === 'iq' && type === 'get') {
      const query = iqPayload(stanza);
      if (query?.name === 'query' && (query.attrs.xmlns === NS_DISCO_INFO || query.attrs.xmlns === NS_DISCO_ITEMS)) {
        return handleServiceDisco(this.#deps, this.#rooms.values(), stanza, query);
      }
    }
    if (stanza.name === 'iq' && (type === 'result' || type === 'error')) return;
    this.#refuse(stanza, MucErrors.unsupported());
  }

  /** IQs to a room: disco, muc#admin, muc#owner; anything else is unsupported (RFC 6120 §8.4). */
  #toRoom(room: Room, iq: El, from: Jid): void {
    const type = iq.attrs.type;
    // Rooms never send IQs that expect an answer, so replies to them are dropped.
    if (type === 'result' || type === 'error') return;
    if (type !== 'get' && type !== 'set') return this.#refuse(iq, MucErrors.badRequest('IQ type must be get or set'));
    const query = iqPayload(iq);
    if (query === undefined) return this.#refuse(iq, MucErrors.badRequest('an IQ needs exactly one payload'));
    const isQuery = query.name === 'query';
    switch (query.attrs.xmlns) {
      case NS_DISCO_INFO:
      case NS_DISCO_ITEMS:
        if (!isQuery || type !== 'get') return this.#refuse(iq, MucErrors.badRequest('disco requests are <query/> gets'));
        return handleRoomDisco(room, iq, query, from);
      case NS_MUC_ADMIN:
        if (!isQuery) return this.#refuse(iq, MucErrors.badRequest('expected <query/>'));
        return handleAdminIq(room, iq, query, from);
      case NS_MUC_OWNER:
        if (!isQuery) return this.#refuse(iq, MucErrors.badRequest('expected <query/>'));
        return handleOwnerIq(room, iq, query, from);
      default:
        return this.#refuse(iq, MucErrors.unsupported());
    }
  }

  /** Error replies, never to errors (RFC 6120 §8.3.1) nor to unavailable presence. */
  #refuse(stanza: El, error: StanzaErrorBody): void {
    const type = stanza.attrs.type;
    if (type === 'error' || (stanza.name === 'presence' && type === 'unavailable')) return;
    this.#deps.deliver(mucErrorReply(stanza, error, stanza.name === 'presence' ? { isJoin: true } : {}));
  }
}
