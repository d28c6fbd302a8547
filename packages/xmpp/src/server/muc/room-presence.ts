import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, formatJid, toBare } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { child } from '../../codec/xml/index.ts';
import type { MucJoin } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC, MucStatus, affiliationRank, decodeMucJoin } from '../../codec/xep-0045-muc/index.ts';
import type { MucServiceDeps } from './muc-types.ts';
import { Room } from './muc-room.ts';
import type { Occupant, OccupantSession } from './occupant.ts';
import { buildOccupantPresence, invalidatePresence, presencePayload } from './occupant.ts';
import { isPasswordProtected } from './room-config.ts';
import type { MucRefusal } from './muc-errors.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

/** How presence handling finds and creates rooms. */
export type RoomDirectory = {
  get(bare: string): Room | undefined;
  /** Creates and registers a room owned by `creator`, or says why not (room limit). */
  create(roomJid: Jid, creator: Jid): Room | StanzaErrorBody;
};

const IGNORED_TYPES: ReadonlySet<string> = new Set(['probe', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/**
 * Presence to a room or occupant JID (XEP-0045 §7): joins, presence updates, nickname changes and
 * leaves. `to` is parsed and has a localpart.
 */
export function handleRoomPresence(deps: MucServiceDeps, rooms: RoomDirectory, stanza: El, from: Jid, to: Jid): void {
  const type = stanza.attrs.type;
  const room = rooms.get(bareJid(toBare(to)));
  const full = formatJid(from);
  const occ = room?.bySession.get(full);
  if (type === 'unavailable' || type === 'error') {
    // §7.14 exit; §11.1: an error bounced from the user's server removes that session (status 333).
    // Looked up by real JID, whatever nick it was sent to: the core's directed presence may use an old nick.
    if (room !== undefined && occ !== undefined) {
      leave(room, occ, occ.sessions.get(full) as OccupantSession, type === 'error' ? undefined : stanza);
    }
    return;
  }
  const refuse = (error: MucRefusal): void => deps.deliver(mucErrorReply(stanza, error, { by: bareJid(toBare(to)), isJoin: true }));
  if (type !== undefined) {
    if (!IGNORED_TYPES.has(type)) refuse(MucErrors.badRequest(`unknown presence type "${type}"`));
    return;
  }
  const nick = to.resource;
  if (nick === '') return refuse(MucErrors.nickRequired());
  // §7.2.1 (Business Rules §17.3): a nick is not only spaces.
  if (nick.trim() === '') return refuse(MucErrors.jidMalformed('a nickname cannot be only spaces'));
  const joinEl = child(stanza, 'x', NS_MUC);
  let join: MucJoin | undefined;
  if (joinEl !== undefined) {
    const decoded = decodeMucJoin(joinEl);
    if (!decoded.ok) return refuse(MucErrors.badRequest(decoded.error.text));
    join = decoded.value;
  }
  if (room !== undefined && occ !== undefined) {
    const session = occ.sessions.get(full) as OccupantSession;
    if (occ.nick !== nick) return changeNick(room, occ, session, stanza, nick, refuse);
    return updatePresence(room, occ, session, stanza, join);
  }
  const error = enter(deps, rooms, room, stanza, from, to, join);
  if (error !== undefined) refuse(error);
}

/** §7.2: admission checks in XEP order of severity, then the presence exchange. */
function enter(deps: MucServiceDeps, rooms: RoomDirectory, existing: Room | undefined, stanza: El, from: Jid, to: Jid, join: MucJoin | undefined): MucRefusal | undefined {
  const roomJid = toBare(to);
  const refusal = deps.policy.mayEnter(from, roomJid);
  if (refusal !== undefined) return refusal;
  const isServiceAdmin = deps.policy.isAdmin(from);
  const bare = bareJid(from);
  const nick = to.resource;
  let room = existing;
  let isCreated = false;
  if (room === undefined) {
    if (deps.config.restrictRoomCreation && !isServiceAdmin) return MucErrors.creationRestricted();
    const created = rooms.create(roomJid, from);
    if (!(created instanceof Room)) return created;
    room = created;
    isCreated = true;
  }
  let affiliation = room.effectiveAffiliation(from);
  const sameNick = room.byNick.get(nick);
  if (!isCreated) {
    if (room.isLocked && affiliation !== 'owner') return MucErrors.roomLocked(); // §7.2.10
    if (!isServiceAdmin) {
      if (affiliation === 'outcast') return MucErrors.banned(); // §7.2.7
      let isAdmitted = false;
      const isBelowMember = affiliationRank(affiliation) < affiliationRank('member');
      if (room.config.isMembersOnly && affiliationRank(affiliation) < affiliationRank('admin') && deps.hooks?.admission !== undefined) {
        // The lobby decides first: members (approved knockers) need no password; a password or
        // the whitelist lets a non-member in; everyone else is sent to knock.
        const admission = deps.hooks.admission(room, from, stanza, join);
        if (admission?.kind === 'refuse') return admission.refusal;
        if (admission?.kind === 'admit') {
          isAdmitted = true;
          affiliation = room.effectiveAffiliation(from);
        }
      }
      if (!isAdmitted) {
        if (room.config.isMembersOnly && isBelowMember) return MucErrors.membersOnly(); // §7.2.6
        if (isPasswordProtected(room.config) && join?.password !== room.config.password) return MucErrors.passwordRequired(); // §7.2.5
      }
    }
    if (sameNick !== undefined && sameNick.bare !== bare) return MucErrors.nickConflict(); // §7.2.8
    const isPrivileged = isServiceAdmin || affiliationRank(affiliation) >= affiliationRank('admin');
    if (sameNick === undefined && !isPrivileged && room.byNick.size >= room.config.maxUsers) return MucErrors.roomFull(); // §7.2.9
  }
  const session = room.newSession(from, formatJid(from));
  const selfStatuses: number[] = [];
  if (room.isNonAnonymous) selfStatuses.push(MucStatus.nonAnonymous);
  if (isCreated) selfStatuses.push(MucStatus.roomCreated);
  const id = stanza.attrs.id;
  if (sameNick !== undefined) {
    // Multi-session: another resource of the same user joins the same nick. It shares the occupant
    // (role, affiliation); its presence becomes the one everybody sees.
    room.sendRoster(session, sameNick);
    room.attachSession(sameNick, session);
    setPresence(sameNick, session, stanza);
    room.broadcastPresence(sameNick, id === undefined ? {} : { id }, { selfStatuses });
    sendBacklog(room, session, join);
    deps.log.debug('muc session joined', { room: room.jid, nick });
    return undefined;
  }
  const occ: Occupant = {
    nick,
    occupantJid: room.occupantJidOf(nick),
    bare,
    affiliation,
    role: room.defaultRole(affiliation),
    sessions: new Map([[session.full, session]]),
    primary: session,
    payload: presencePayload(stanza),
    cache: {},
  };
  // §7.2.2: everyone else's presence first, then the newcomer's to all, self-presence last.
  room.sendRoster(session, occ);
  room.addOccupant(occ);
  room.broadcastPresence(occ, id === undefined ? {} : { id }, { selfStatuses });
  sendBacklog(room, session, join);
  deps.log.debug('muc occupant joined', { room: room.jid, nick, isCreated });
  return undefined;
}

/** §7.2.13–§7.2.15: history, then the subject, after the presences. */
function sendBacklog(room: Room, session: OccupantSession, join: MucJoin | undefined): void {
  room.sendHistory(session, join?.history);
  room.sendSubject(session);
}

function setPresence(occ: Occupant, session: OccupantSession, stanza: El): void {
  occ.primary = session;
  occ.payload = presencePayload(stanza);
  invalidatePresence(occ);
}

/**
 * §7.7: a presence update is broadcast to everyone, the sender included (with 110). A join `<x>` from
 * a session that is already in (§7.2.1: the client lost sync) replays the join sequence to it.
 */
function updatePresence(room: Room, occ: Occupant, session: OccupantSession, stanza: El, join: MucJoin | undefined): void {
  const isResync = child(stanza, 'x', NS_MUC) !== undefined;
  if (isResync) room.sendRoster(session, occ);
  setPresence(occ, session, stanza);
  const selfStatuses = isResync && room.isNonAnonymous ? [MucStatus.nonAnonymous] : [];
  room.broadcastPresence(occ, undefined, { selfStatuses });
  if (isResync) sendBacklog(room, session, join);
}

/**
 * §7.6: unavailable from the old nick with 303 and the new nick, then available from the new nick,
 * to every occupant. All sessions of a multi-session occupant move together.
 */
function changeNick(room: Room, occ: Occupant, session: OccupantSession, stanza: El, nick: string, refuse: (e: StanzaErrorBody) => void): void {
  if (room.byNick.has(nick)) return refuse(MucErrors.nickConflict());
  room.broadcastPresence(occ, { type: 'unavailable', payload: [], item: { nick }, statuses: [MucStatus.nickChanged] });
  room.rename(occ, nick);
  setPresence(occ, session, stanza);
  const id = stanza.attrs.id;
  room.broadcastPresence(occ, id === undefined ? {} : { id });
}

/**
 * §7.14: the session leaves. The last session takes the occupant out (unavailable to itself with
 * 110, then to the others); an earlier one only says goodbye to itself, and the others see the
 * remaining session's presence if it was the visible one. `stanza` is undefined for §11.1 removals.
 */
function leave(room: Room, occ: Occupant, session: OccupantSession, stanza: El | undefined): void {
  const payload = stanza === undefined ? [] : presencePayload(stanza);
  const statuses = stanza === undefined ? [MucStatus.removedOnError] : [];
  if (occ.sessions.size > 1) {
    const wasPrimary = occ.primary === session;
    room.send(buildOccupantPresence(occ, { type: 'unavailable', role: 'none', payload, statuses }, session.full, [MucStatus.self]), session.full);
    room.detachSession(occ, session);
    if (wasPrimary) room.broadcastPresence(occ, undefined);
    return;
  }
  room.removeOccupant(occ, { payload, statuses });
  room.host.deps.log.debug('muc occupant left', { room: room.jid, nick: occ.nick });
  room.closeIfEmpty();
}
