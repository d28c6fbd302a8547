import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, formatJid, parseJid, toBare } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { iqResult } from '../../codec/stanza/index.ts';
import type { MucActor, MucAffiliation, MucItem, MucRole } from '../../codec/xep-0045-muc/index.ts';
import { MucStatus, affiliationRank, decodeMucAdminQuery, encodeMucAdminQuery } from '../../codec/xep-0045-muc/index.ts';
import type { Room } from './muc-room.ts';
import type { Occupant } from './occupant.ts';
import { invalidatePresence } from './occupant.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

type Change =
  | { readonly kind: 'role'; readonly target: Occupant; readonly role: MucRole; readonly reason: string | undefined }
  | { readonly kind: 'affiliation'; readonly bare: string; readonly affiliation: MucAffiliation; readonly reason: string | undefined };

/** Who sent an admin request, with the privileges it has in this room. */
type Actor = { readonly jid: Jid; readonly occupant: Occupant | undefined; readonly affiliation: MucAffiliation; readonly isServiceAdmin: boolean };

const ADMIN = affiliationRank('admin');
const isChange = (c: Change | StanzaErrorBody): c is Change => 'kind' in c;

/**
 * `<query xmlns='…muc#admin'>` (XEP-0045 §8–§10): role and affiliation changes (all items or none,
 * §9.2), and lists by role or affiliation.
 */
export function handleAdminIq(room: Room, iq: El, query: El, from: Jid): void {
  const deps = room.host.deps;
  const reply = (error: StanzaErrorBody): void => deps.deliver(mucErrorReply(iq, error));
  const decoded = decodeMucAdminQuery(query);
  if (!decoded.ok) return reply(MucErrors.badRequest(decoded.error.text));
  const occupant = room.bySession.get(formatJid(from));
  const actor: Actor = {
    jid: from,
    occupant,
    affiliation: occupant?.affiliation ?? room.effectiveAffiliation(from),
    isServiceAdmin: deps.policy.isAdmin(from),
  };
  if (iq.attrs.type === 'get') {
    const list = listItems(room, actor, decoded.value[0] as MucItem);
    if (!Array.isArray(list)) return reply(list as StanzaErrorBody);
    deps.deliver(iqResult(iq, encodeMucAdminQuery(list)));
    return;
  }
  const changes: Change[] = [];
  for (const item of decoded.value) {
    const change = item.role !== undefined ? planRole(room, actor, item, item.role) : planAffiliation(room, actor, item);
    if (!isChange(change)) return reply(change);
    changes.push(change);
  }
  const actorRef: MucActor = actor.occupant !== undefined ? { nick: actor.occupant.nick } : { jid: bareJid(from) };
  for (const change of changes) {
    if (change.kind === 'role') applyRole(room, change.target, change.role, actorRef, change.reason, from);
    else applyAffiliation(room, change.bare, change.affiliation, actorRef, change.reason);
  }
  deps.deliver(iqResult(iq));
  room.closeIfEmpty();
}

/** §8.2–§8.5 (moderators) and §9.6–§9.8 (admins): checks for one role change. */
function planRole(room: Room, actor: Actor, item: MucItem, role: MucRole): Change | StanzaErrorBody {
  const me = actor.occupant;
  // Service admins (the focus) act with owner rights even from outside the room.
  if (!actor.isServiceAdmin && me?.role !== 'moderator') return MucErrors.notModerator();
  let target: Occupant | undefined;
  if (item.nick !== undefined) target = room.byNick.get(item.nick);
  else if (item.jid !== undefined) target = findByJid(room, item.jid);
  else return MucErrors.badRequest('a role change needs a nick');
  if (target === undefined) return MucErrors.occupantNotFound();
  const mine = affiliationRank(actor.affiliation);
  const theirs = affiliationRank(target.affiliation);
  if (role === 'none' && target === me) return MucErrors.selfConflict('you cannot kick yourself'); // §8.2
  // §9.6/§9.7: granting or taking the moderator role is an admin use case.
  if ((role === 'moderator' || target.role === 'moderator') && mine < ADMIN) return MucErrors.notAdmin();
  if (theirs > mine) return MucErrors.outranked(); // §8.2: nobody acts on a higher affiliation
  // §8.4, §9.7: admins and owners keep voice and moderation (they can still be kicked by their equals or betters).
  if (theirs >= ADMIN && (role === 'visitor' || role === 'participant')) return MucErrors.outranked();
  return { kind: 'role', target, role, reason: item.reason };
}

/** §9 (admins) and §10.3–§10.8 (owners): checks for one affiliation change. */
function planAffiliation(room: Room, actor: Actor, item: MucItem): Change | StanzaErrorBody {
  const affiliation = item.affiliation as MucAffiliation;
  const mine = affiliationRank(actor.affiliation);
  if (mine < ADMIN) return MucErrors.notAdmin();
  let target: Jid;
  if (item.jid !== undefined) {
    const parsed = parseJid(item.jid);
    if (!parsed.ok) return MucErrors.jidMalformed(parsed.error.text);
    // Affiliations belong to bare JIDs (§5.2); a full JID (Jitsi sends the occupant's) is reduced.
    target = toBare(parsed.value);
  } else if (item.nick !== undefined) {
    // COMPAT(Miranda, as in Prosody): nick instead of jid names a present occupant.
    const occ = room.byNick.get(item.nick);
    if (occ === undefined) return MucErrors.occupantNotFound();
    target = toBare(occ.primary.jid);
  } else {
    return MucErrors.badRequest('an affiliation change needs a jid');
  }
  const bare = bareJid(target);
  if (room.host.deps.policy.isAdmin(target)) return affiliation === 'owner' ? { kind: 'affiliation', bare, affiliation, reason: item.reason } : MucErrors.serviceAdmin();
  if (affiliation === 'outcast' && bare === bareJid(actor.jid)) return MucErrors.selfConflict('you cannot ban yourself'); // §9.1
  const current = room.affiliationOf(bare);
  if (actor.affiliation !== 'owner') {
    // §10.3/§10.6: only owners grant admin or owner; §9.1: admins cannot act on admins or owners.
    if (affiliationRank(affiliation) >= ADMIN) return MucErrors.notOwner();
    if (affiliationRank(current) >= ADMIN) return MucErrors.outranked();
  }
  if (current === 'owner' && affiliation !== 'owner' && !actor.isServiceAdmin && ownerCount(room) <= 1) {
    return MucErrors.selfConflict('a room needs at least one owner'); // §10.4
  }
  return { kind: 'affiliation', bare, affiliation, reason: item.reason };
}

function findByJid(room: Room, jid: string): Occupant | undefined {
  const parsed = parseJid(jid);
  if (!parsed.ok) return undefined;
  const full = formatJid(parsed.value);
  const bySession = room.bySession.get(full);
  if (bySession !== undefined) return bySession;
  const bare = bareJid(parsed.value);
  for (const occ of room.byNick.values()) if (occ.bare === bare) return occ;
  return undefined;
}

function ownerCount(room: Room): number {
  let n = 0;
  for (const a of room.affiliations.values()) if (a === 'owner') n++;
  return n;
}

function applyRole(room: Room, target: Occupant, role: MucRole, actor: MucActor, reason: string | undefined, actorJid: Jid): void {
  // An earlier item of the same request may have removed the target already.
  if (room.byNick.get(target.nick) !== target) return;
  const item = { actor, ...(reason !== undefined ? { reason } : {}) };
  if (role === 'none') {
    // §8.2: the kicked occupant first, then everyone else, with 307.
    room.removeOccupant(target, { item, statuses: [MucStatus.kicked] });
    room.host.deps.log.debug('muc occupant kicked', { room: room.jid, nick: target.nick });
    room.host.deps.hooks?.kicked?.(room, target, actorJid);
    return;
  }
  if (target.role === role) return;
  setRole(room, target, role, item);
}

/** Changes a present occupant's role and tells everyone (§8.3, §8.4, §9.6, §9.7). */
function setRole(room: Room, occ: Occupant, role: MucRole, item: { readonly actor: MucActor; readonly reason?: string }): void {
  const wasModerator = occ.role === 'moderator';
  occ.role = role;
  invalidatePresence(occ);
  room.broadcastPresence(occ, { item });
  // In a semi-anonymous room a new moderator may now see real JIDs (and an old one no longer):
  // resend the roster so its view matches what later presences will carry.
  if (wasModerator !== (role === 'moderator') && !room.isNonAnonymous) {
    for (const s of occ.sessions.values()) room.sendRoster(s, occ);
  }
}

/** Stores an affiliation and applies it to present occupants (§9.1, §9.4, §10.3–§10.7). */
export function applyAffiliation(room: Room, bare: string, affiliation: MucAffiliation, actor: MucActor, reason: string | undefined): void {
  if (affiliation === 'none') room.affiliations.delete(bare);
  else room.affiliations.set(bare, affiliation);
  const item = { actor, ...(reason !== undefined ? { reason } : {}) };
  for (const occ of [...room.byNick.values()]) {
    if (occ.bare !== bare || occ.affiliation === affiliation) continue;
    occ.affiliation = affiliation;
    if (affiliation === 'outcast') {
      room.removeOccupant(occ, { item, statuses: [MucStatus.banned] });
    } else if (room.config.isMembersOnly && affiliationRank(affiliation) < affiliationRank('member')) {
      room.removeOccupant(occ, { item, statuses: [MucStatus.affiliationChanged] });
    } else {
      // XEP-0045 §5.2.1: the role follows the new affiliation.
      setRole(room, occ, room.defaultRole(affiliation), item);
    }
  }
}

/** Lists by affiliation (admins and owners, §9.5, §10.5, §10.8) or by role (moderators, §8.5, §9.8). */
function listItems(room: Room, actor: Actor, query: MucItem): MucItem[] | StanzaErrorBody {
  if (query.affiliation !== undefined) {
    if (query.affiliation === 'none') return MucErrors.badRequest('there is no list of affiliation none');
    if (affiliationRank(actor.affiliation) < ADMIN) return MucErrors.notAdmin();
    const items: MucItem[] = [];
    for (const [jid, affiliation] of room.affiliations) if (affiliation === query.affiliation) items.push({ affiliation, jid });
    return items;
  }
  if (query.role === 'none') return MucErrors.badRequest('there is no list of role none');
  if (!actor.isServiceAdmin && actor.occupant?.role !== 'moderator') return MucErrors.notModerator();
  const items: MucItem[] = [];
  for (const occ of room.byNick.values()) {
    if (occ.role === query.role) items.push({ affiliation: occ.affiliation, role: occ.role, nick: occ.nick, jid: occ.primary.full });
  }
  return items;
}
