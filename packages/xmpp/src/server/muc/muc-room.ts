import type { Jid } from '../../codec/jid/index.ts';
import { bareJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { el, serialize } from '../../codec/xml/index.ts';
import type { MucAffiliation, MucHistoryRequest, MucRole } from '../../codec/xep-0045-muc/index.ts';
import { MucStatus } from '../../codec/xep-0045-muc/index.ts';
import type { MucOccupantView, MucRoom, MucServiceDeps } from './muc-types.ts';
import type { RoomConfig } from './room-config.ts';
import type { Occupant, OccupantPresenceParts, OccupantSession } from './occupant.ts';
import { addressed, buildOccupantPresence, currentPresence, invalidatePresence, seesRealJids } from './occupant.ts';

const NS_DELAY = 'urn:xmpp:delay';

/** What a room needs from its service. */
export type RoomHost = {
  readonly deps: MucServiceDeps;
  occupantsChanged(delta: number): void;
  /** The room has no occupants left (or was destroyed): forget it. */
  roomEmptied(room: Room): void;
};

type HistoryEntry = { readonly message: El; readonly atMs: number; chars?: number };

/** How a presence broadcast treats the occupant's own sessions. */
type BroadcastOptions = {
  /** Status codes only the occupant itself sees (110 is always added). */
  readonly selfStatuses?: readonly number[];
  /** XEP-0045 §7.14/§8.2: leaving and removal notify the occupant first; joins notify it last (§7.2.2). */
  readonly selfFirst?: boolean;
};

/**
 * One room's state: occupants by nick and by real JID, affiliations, configuration, subject and
 * bounded history. Handlers in room-presence, room-messages, muc-admin and muc-owner change it
 * through the helpers here, which keep the maps and the service's counters consistent.
 */
export class Room implements MucRoom {
  readonly meetingId: string;
  readonly createdAtMs: number;
  config: RoomConfig;
  isLocked: boolean;
  readonly byNick = new Map<string, Occupant>();
  readonly bySession = new Map<string, Occupant>();
  readonly sessionsByTag = new Map<number, OccupantSession>();
  /** Non-none affiliations by bare JID (XEP-0045 §5.2). */
  readonly affiliations = new Map<string, MucAffiliation>();
  subject: { readonly nick: string; readonly text: string } | undefined;
  isClosed = false;
  /** Kept when empty (a lobby room lives as long as its lobby is on); destruction clears it. */
  isPersistent = false;
  readonly #history: HistoryEntry[] = [];
  #nextTag = 1;

  constructor(readonly host: RoomHost, readonly jid: string, config: RoomConfig, isLocked: boolean) {
    this.meetingId = host.deps.newId();
    this.createdAtMs = host.deps.clock.now();
    this.config = config;
    this.isLocked = isLocked;
  }

  get occupantCount(): number {
    return this.byNick.size;
  }

  occupants(): MucOccupantView[] {
    return [...this.byNick.values()].map(toView);
  }

  occupant(nick: string): MucOccupantView | undefined {
    const occ = this.byNick.get(nick);
    return occ === undefined ? undefined : toView(occ);
  }

  affiliationOf(bare: string): MucAffiliation {
    return this.affiliations.get(bare) ?? 'none';
  }

  /** XEP-0045 §7.2.3: non-anonymous rooms show real JIDs to everyone. */
  get isNonAnonymous(): boolean {
    return this.config.whois === 'anyone';
  }

  /** Service admins (policy) are owners of every room; everyone else has the stored affiliation. */
  effectiveAffiliation(real: Jid): MucAffiliation {
    const deps = this.host.deps;
    if (deps.policy.isAdmin(real)) return 'owner';
    return deps.hooks?.linkedAffiliation?.(this.jid, real) ?? this.affiliationOf(bareJid(real));
  }

  /** XEP-0045 §5.1.2 default roles: owners and admins moderate; moderated rooms mute newcomers. */
  defaultRole(affiliation: MucAffiliation): MucRole {
    switch (affiliation) {
      case 'owner': case 'admin': return 'moderator';
      case 'member': return 'participant';
      case 'none': return this.config.isModerated ? 'visitor' : 'participant';
      case 'outcast': return 'none';
    }
  }

  occupantJidOf(nick: string): string {
    return `${this.jid}/${nick}`;
  }

  newSession(jid: Jid, full: string): OccupantSession {
    return { jid, full, tag: this.#nextTag++ };
  }

  addOccupant(occ: Occupant): void {
    this.byNick.set(occ.nick, occ);
    for (const s of occ.sessions.values()) this.#indexSession(occ, s);
    this.host.occupantsChanged(1);
  }

  attachSession(occ: Occupant, session: OccupantSession): void {
    occ.sessions.set(session.full, session);
    this.#indexSession(occ, session);
  }

  /** Removes one session of an occupant that keeps others; the latest remaining becomes primary. */
  detachSession(occ: Occupant, session: OccupantSession): void {
    occ.sessions.delete(session.full);
    this.bySession.delete(session.full);
    this.sessionsByTag.delete(session.tag);
    if (occ.primary === session) {
      let last: OccupantSession | undefined;
      for (const s of occ.sessions.values()) last = s;
      if (last !== undefined) occ.primary = last;
      invalidatePresence(occ);
    }
  }

  rename(occ: Occupant, nick: string): void {
    this.byNick.delete(occ.nick);
    occ.nick = nick;
    occ.occupantJid = this.occupantJidOf(nick);
    this.byNick.set(nick, occ);
    invalidatePresence(occ);
  }

  #indexSession(occ: Occupant, s: OccupantSession): void {
    this.bySession.set(s.full, occ);
    this.sessionsByTag.set(s.tag, s);
  }

  send(stanza: El, to: string): void {
    this.host.deps.deliver(addressed(stanza, to));
  }

  sendToOccupant(occ: Occupant, stanza: El): void {
    for (const s of occ.sessions.values()) this.send(stanza, s.full);
  }

  /** Sends one element to every session in the room (groupchat, notifications). */
  broadcast(stanza: El): void {
    for (const occ of this.byNick.values()) for (const s of occ.sessions.values()) this.send(stanza, s.full);
  }

  /**
   * Sends an occupant's presence to everyone: other occupants get the variant their privileges allow
   * (built at most twice, cached when `parts` is the plain current presence), the occupant's own
   * sessions get the real JID and status 110.
   */
  broadcastPresence(occ: Occupant, parts: OccupantPresenceParts | undefined, opts: BroadcastOptions = {}): void {
    const selfFirst = opts.selfFirst === true;
    if (selfFirst) this.#sendSelfPresence(occ, parts ?? {}, opts);
    const isNonAnonymous = this.isNonAnonymous;
    let withJid: El | undefined;
    let withoutJid: El | undefined;
    for (const other of this.byNick.values()) {
      if (other === occ) continue;
      const sees = seesRealJids(isNonAnonymous, other);
      const stanza = parts === undefined
        ? currentPresence(occ, sees)
        : sees ? (withJid ??= buildOccupantPresence(occ, parts, occ.primary.full)) : (withoutJid ??= buildOccupantPresence(occ, parts, undefined));
      for (const s of other.sessions.values()) this.send(stanza, s.full);
    }
    if (!selfFirst) this.#sendSelfPresence(occ, parts ?? {}, opts);
  }

  #sendSelfPresence(occ: Occupant, parts: OccupantPresenceParts, opts: BroadcastOptions): void {
    const self = buildOccupantPresence(occ, parts, occ.primary.full, [...(opts.selfStatuses ?? []), MucStatus.self]);
    for (const s of occ.sessions.values()) this.send(self, s.full);
  }

  /** XEP-0045 §7.2.2: the presences of everyone else, as `viewer` may see them. */
  sendRoster(session: OccupantSession, viewer: Occupant): void {
    const sees = seesRealJids(this.isNonAnonymous, viewer);
    for (const other of this.byNick.values()) if (other !== viewer) this.send(currentPresence(other, sees), session.full);
  }

  /**
   * Takes an occupant out (leave, kick, ban, destruction): unavailable presence to the occupant first,
   * then to the others (§7.14), and the maps and counters updated. The caller closes an empty room.
   */
  removeOccupant(occ: Occupant, parts: OccupantPresenceParts, selfStatuses: readonly number[] = []): void {
    this.broadcastPresence(occ, { ...parts, type: 'unavailable', role: 'none' }, { selfFirst: true, selfStatuses });
    this.forget(occ);
  }

  /** Drops an occupant from the maps without sending anything. */
  forget(occ: Occupant): void {
    this.byNick.delete(occ.nick);
    for (const s of occ.sessions.values()) {
      this.bySession.delete(s.full);
      this.sessionsByTag.delete(s.tag);
    }
    this.host.occupantsChanged(-1);
  }

  /** Rooms are temporary (§10.1.1): the last occupant out ends them, unless they are persistent. */
  closeIfEmpty(): void {
    if (this.byNick.size === 0 && !this.isClosed && !this.isPersistent) {
      this.isClosed = true;
      this.host.roomEmptied(this);
    }
  }

  /** Keeps a groupchat message for newcomers (bounded by maxHistoryMessages; 0 keeps nothing). */
  remember(message: El): void {
    const max = this.host.deps.config.maxHistoryMessages;
    if (max <= 0) return;
    const atMs = this.host.deps.clock.now();
    // XEP-0045 §7.2.13: history carries an XEP-0203 delay stamped by the room.
    const delayed: El = {
      name: 'message',
      attrs: message.attrs,
      children: [...message.children, el('delay', { xmlns: NS_DELAY, from: this.jid, stamp: new Date(atMs).toISOString() })],
    };
    this.#history.push({ message: delayed, atMs });
    if (this.#history.length > max) this.#history.shift();
  }

  /** XEP-0045 §7.2.14: the newest messages that satisfy every limit the client gave. */
  sendHistory(session: OccupantSession, request: MucHistoryRequest | undefined): void {
    if (this.#history.length === 0) return;
    const now = this.host.deps.clock.now();
    let count = 0;
    let chars = 0;
    let first = this.#history.length;
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const entry = this.#history[i] as HistoryEntry;
      if (request?.maxStanzas !== undefined && count >= request.maxStanzas) break;
      if (request?.seconds !== undefined && now - entry.atMs > request.seconds * 1000) break;
      if (request?.sinceMs !== undefined && entry.atMs < request.sinceMs) break;
      if (request?.maxChars !== undefined) {
        entry.chars ??= serialize(entry.message).length;
        if (chars + entry.chars > request.maxChars) break;
        chars += entry.chars;
      }
      count++;
      first = i;
    }
    for (let i = first; i < this.#history.length; i++) this.send((this.#history[i] as HistoryEntry).message, session.full);
  }

  /** XEP-0045 §7.2.15: the subject after presences and history; empty `<subject/>` when none is set. */
  sendSubject(session: OccupantSession): void {
    const from = this.subject === undefined ? this.jid : this.occupantJidOf(this.subject.nick);
    this.send(el('message', { from, type: 'groupchat' }, el('subject', {}, this.subject?.text)), session.full);
  }
}

function toView(occ: Occupant): MucOccupantView {
  return {
    nick: occ.nick,
    occupantJid: occ.occupantJid,
    bareJid: occ.bare,
    realJids: [...occ.sessions.keys()],
    affiliation: occ.affiliation,
    role: occ.role,
    presence: occ.payload,
  };
}
