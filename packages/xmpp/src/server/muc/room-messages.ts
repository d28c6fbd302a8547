import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, formatJid, parseJid } from '../../codec/jid/index.ts';
import type { El, XmlNode } from '../../codec/xml/index.ts';
import { child, el, text } from '../../codec/xml/index.ts';
import { iqPayload, iqResult } from '../../codec/stanza/index.ts';
import type { MucInvite } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC_USER, affiliationRank, decodeMucUserX, encodeMucUserX } from '../../codec/xep-0045-muc/index.ts';
import type { Room } from './muc-room.ts';
import type { Occupant } from './occupant.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

const NS_PING = 'urn:xmpp:ping';
/** Most invitations or declines one message may carry: bounds the fan-out of a single stanza. */
const MAX_INVITES = 20;

function refuse(room: Room, stanza: El, error: StanzaErrorBody): void {
  if (stanza.attrs.type !== 'error') room.host.deps.deliver(mucErrorReply(stanza, error));
}

/** Attributes worth keeping when the room re-addresses a stanza (RFC 6120 §8.1). */
function relayAttrs(stanza: El, from: string, id?: string): Record<string, string> {
  const a: Record<string, string> = { from };
  const sentId = id ?? stanza.attrs.id;
  if (sentId !== undefined) a.id = sentId;
  const { type } = stanza.attrs;
  if (type !== undefined) a.type = type;
  const lang = stanza.attrs['xml:lang'];
  if (lang !== undefined) a['xml:lang'] = lang;
  return a;
}

/** A message to the bare room JID: groupchat and subject (§7.4, §8.1), invitations and declines (§7.8.2). */
export function handleRoomMessage(room: Room, stanza: El, from: Jid): void {
  const type = stanza.attrs.type;
  if (type === 'error') return;
  const sender = room.bySession.get(formatJid(from));
  if (type === 'groupchat') {
    if (sender === undefined) return refuse(room, stanza, MucErrors.notOccupant());
    return groupchat(room, sender, stanza);
  }
  const x = child(stanza, 'x', NS_MUC_USER);
  if ((type === undefined || type === 'normal') && x !== undefined) {
    const decoded = decodeMucUserX(x);
    if (!decoded.ok) return refuse(room, stanza, MucErrors.badRequest(decoded.error.text));
    const { invites, declines } = decoded.value;
    if (invites.length + declines.length > MAX_INVITES) return refuse(room, stanza, MucErrors.badRequest(`at most ${MAX_INVITES} invitations per message`));
    if (invites.length > 0) return invite(room, sender, stanza, from, invites);
    if (declines.length > 0) return decline(room, stanza, from, declines);
  }
  refuse(room, stanza, MucErrors.messageTypeToRoom());
}

function groupchat(room: Room, sender: Occupant, stanza: El): void {
  const subject = child(stanza, 'subject');
  // §8.1: a subject without a body changes the subject; anything else is a message.
  if (subject !== undefined && child(stanza, 'body') === undefined) {
    const mayChange = sender.role === 'moderator'
      || (room.config.canOccupantsChangeSubject && sender.role === 'participant');
    if (!mayChange) return refuse(room, stanza, MucErrors.subjectForbidden());
    room.subject = { nick: sender.nick, text: text(subject) };
    room.broadcast({ name: 'message', attrs: relayAttrs(stanza, sender.occupantJid), children: stanza.children });
    return;
  }
  // §7.4: visitors have no voice.
  if (sender.role === 'visitor') return refuse(room, stanza, MucErrors.noVoice());
  // Built once; only `to` differs per recipient. The id is reflected unchanged (muc#stable_id).
  const message: El = { name: 'message', attrs: relayAttrs(stanza, sender.occupantJid), children: stanza.children };
  room.broadcast(message);
  if (child(stanza, 'body') !== undefined) room.remember(message);
}

/**
 * §7.8.2 mediated invitation. Members-only rooms restrict invitations to admins and owners (or
 * members when allowinvites is on, §9.5) and make the invitee a member; open rooms let any occupant
 * with voice invite.
 */
function invite(room: Room, sender: Occupant | undefined, stanza: El, from: Jid, invites: readonly MucInvite[]): void {
  if (sender === undefined) return refuse(room, stanza, MucErrors.notOccupant());
  const rank = affiliationRank(sender.affiliation);
  const mayInvite = room.config.isMembersOnly
    ? rank >= affiliationRank('admin') || (room.config.canMembersInvite && rank >= affiliationRank('member'))
    : sender.role !== 'visitor';
  if (!mayInvite) return refuse(room, stanza, MucErrors.inviteForbidden());
  const invitees: Jid[] = [];
  for (const i of invites) {
    const to = parseJid(i.to ?? '');
    if (!to.ok) return refuse(room, stanza, MucErrors.jidMalformed(`bad invitee address: ${to.error.text}`));
    invitees.push(to.value);
  }
  const inviter = formatJid(from);
  invites.forEach((i, n) => {
    const to = invitees[n] as Jid;
    if (room.config.isMembersOnly && room.affiliationOf(bareJid(to)) === 'none') room.affiliations.set(bareJid(to), 'member');
    // The room's password is not forwarded: inviters share it themselves (Jitsi strips it too).
    const x = encodeMucUserX({ invites: [{ from: inviter, ...(i.reason !== undefined ? { reason: i.reason } : {}) }] });
    room.host.deps.deliver(el('message', { from: room.jid, to: formatJid(to), id: stanza.attrs.id }, x));
    room.host.deps.hooks?.invited?.(room, from, to);
  });
}

/** §7.8.2: the invitee declines; the room forwards it to the inviter. */
function decline(room: Room, stanza: El, from: Jid, declines: readonly MucInvite[]): void {
  for (const d of declines) {
    const to = parseJid(d.to ?? '');
    if (!to.ok) return refuse(room, stanza, MucErrors.jidMalformed(`bad inviter address: ${to.error.text}`));
    const x = encodeMucUserX({ declines: [{ from: bareJid(from), ...(d.reason !== undefined ? { reason: d.reason } : {}) }] });
    room.host.deps.deliver(el('message', { from: room.jid, to: formatJid(to.value), id: stanza.attrs.id }, x));
  }
}

/** §7.5 private message to room/nick: delivered to every session of the target from room/sendernick. */
export function handleOccupantMessage(room: Room, stanza: El, from: Jid, nick: string): void {
  const type = stanza.attrs.type;
  const sender = room.bySession.get(formatJid(from));
  if (type === 'error') {
    // An occupant's error reply to a private message goes back the same way; others are dropped.
    const target = room.byNick.get(nick);
    if (sender !== undefined && target !== undefined) {
      room.sendToOccupant(target, { name: 'message', attrs: relayAttrs(stanza, sender.occupantJid), children: stanza.children });
    }
    return;
  }
  if (type === 'groupchat') return refuse(room, stanza, MucErrors.privateGroupchat());
  if (sender === undefined) return refuse(room, stanza, MucErrors.notOccupant());
  const target = room.byNick.get(nick);
  if (target === undefined) return refuse(room, stanza, MucErrors.occupantNotFound());
  const children: XmlNode[] = child(stanza, 'x', NS_MUC_USER) === undefined
    ? [...stanza.children, el('x', { xmlns: NS_MUC_USER })]
    : stanza.children;
  room.sendToOccupant(target, { name: 'message', attrs: relayAttrs(stanza, sender.occupantJid), children });
}

const TAGGED_ID = /^(\d+):([\s\S]*)$/;

/**
 * IQs between occupants (Jingle, disco of occupants; XEP-0045 §6.6, §18.1). Requests go to the target's
 * primary session from room/sendernick with the id prefixed by the sender session's room-unique tag;
 * the reply is routed back by that tag, so nothing is stored and real JIDs never show.
 */
export function handleOccupantIq(room: Room, stanza: El, from: Jid, nick: string): void {
  const type = stanza.attrs.type;
  const sender = room.bySession.get(formatJid(from));
  if (type === 'result' || type === 'error') {
    const m = TAGGED_ID.exec(stanza.attrs.id ?? '');
    const asker = m === null ? undefined : room.sessionsByTag.get(Number(m[1]));
    if (sender === undefined || m === null || asker === undefined) {
      room.host.deps.log.debug('muc iq reply dropped', { room: room.jid, nick });
      return;
    }
    room.send({ name: 'iq', attrs: relayAttrs(stanza, sender.occupantJid, m[2]), children: stanza.children }, asker.full);
    return;
  }
  if (type !== 'get' && type !== 'set') return refuse(room, stanza, MucErrors.badRequest('IQ type must be get, set, result or error'));
  if (sender === undefined) return refuse(room, stanza, MucErrors.iqFromNonOccupant());
  const target = room.byNick.get(nick);
  if (target === undefined) return refuse(room, stanza, MucErrors.occupantNotFound());
  const id = stanza.attrs.id;
  if (id === undefined) return refuse(room, stanza, MucErrors.badRequest('IQ without id'));
  const payload = iqPayload(stanza);
  // XEP-0410 §3.3: the service answers a self-ping for a joined client.
  if (target === sender && type === 'get' && payload?.name === 'ping' && payload.attrs.xmlns === NS_PING) {
    room.host.deps.deliver(iqResult(stanza));
    return;
  }
  const session = sender.sessions.get(formatJid(from));
  if (session === undefined) return;
  room.send({ name: 'iq', attrs: relayAttrs(stanza, sender.occupantJid, `${session.tag}:${id}`), children: stanza.children }, target.primary.full);
}
