import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { parseJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { child, el } from '../../codec/xml/index.ts';
import { iqResult } from '../../codec/stanza/index.ts';
import { NS_DATA_FORMS, decodeDataForm, encodeDataForm } from '../../codec/xep-0004-data-forms/index.ts';
import type { MucDestroy } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC_OWNER, NS_MUC_USER, MucStatus, affiliationRank, decodeMucDestroy } from '../../codec/xep-0045-muc/index.ts';
import type { Room } from './muc-room.ts';
import type { ConfigChange } from './room-config.ts';
import { applyRoomConfigForm, encodeRoomConfigForm } from './room-config.ts';
import { buildOccupantPresence } from './occupant.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

/**
 * `<query xmlns='…muc#owner'>` (XEP-0045 §10): the configuration form (get), a submitted or
 * cancelled form, or `<destroy>` (set). Owners only (§10.2: forbidden otherwise).
 */
export function handleOwnerIq(room: Room, iq: El, query: El, from: Jid): void {
  const deps = room.host.deps;
  const reply = (error: StanzaErrorBody): void => deps.deliver(mucErrorReply(iq, error));
  const cap = deps.config.maxOccupantsPerRoom;
  if (room.effectiveAffiliation(from) !== 'owner') return reply(MucErrors.notOwner());
  if (iq.attrs.type === 'get') {
    // Children of a get are ignored (an old Jitsi client sends an empty submit form inside it).
    deps.deliver(iqResult(iq, el('query', { xmlns: NS_MUC_OWNER }, encodeDataForm(encodeRoomConfigForm(room.config, cap)))));
    return;
  }
  const destroy = child(query, 'destroy');
  if (destroy !== undefined) {
    const d = decodeMucDestroy(destroy);
    if (d.jid !== undefined) {
      const alt = parseJid(d.jid);
      if (!alt.ok) return reply(MucErrors.jidMalformed(`bad alternate venue: ${alt.error.text}`));
    }
    destroyRoom(room, d);
    deps.deliver(iqResult(iq));
    deps.log.info('muc room destroyed by owner', { room: room.jid });
    return;
  }
  const x = child(query, 'x', NS_DATA_FORMS);
  if (x === undefined) return reply(MucErrors.badRequest('expected a data form or <destroy>'));
  const form = decodeDataForm(x);
  if (!form.ok) return reply(MucErrors.badRequest(form.error.text));
  if (form.value.type === 'cancel') {
    deps.deliver(iqResult(iq));
    // §10.1.3: cancelling the initial configuration of a locked room destroys it.
    if (room.isLocked) destroyRoom(room, {});
    return;
  }
  if (form.value.type !== 'submit') return reply(MucErrors.badRequest('expected a form of type submit or cancel'));
  const applied = applyRoomConfigForm(room.config, form.value, cap);
  if (!applied.ok) return reply(MucErrors.badConfig(applied.error));
  room.config = applied.value.config;
  // §10.1.2/§10.1.3: the first accepted configuration (an empty one makes an instant room) unlocks.
  room.isLocked = false;
  deps.deliver(iqResult(iq));
  deps.hooks?.configured?.(room, from, applied.value);
  afterConfigChange(room, applied.value);
  room.closeIfEmpty();
}

/** §10.2.1 notifications, and the occupants a new configuration no longer admits. */
function afterConfigChange(room: Room, change: ConfigChange): void {
  if (change.changed.size === 0) return;
  const statuses: number[] = [MucStatus.configurationChanged];
  if (change.changed.has('whois')) statuses.push(room.isNonAnonymous ? MucStatus.nowNonAnonymous : MucStatus.nowSemiAnonymous);
  room.broadcast(el('message', { from: room.jid, type: 'groupchat' },
    el('x', { xmlns: NS_MUC_USER }, statuses.map((code) => el('status', { code })))));
  if (change.changed.has('isMembersOnly') && room.config.isMembersOnly) {
    // §9.4 (via §10.2): non-members leave a room that became members-only, with 322.
    for (const occ of [...room.byNick.values()]) {
      if (affiliationRank(occ.affiliation) < affiliationRank('member')) room.removeOccupant(occ, { statuses: [MucStatus.membersOnly] });
    }
  }
  if (change.changed.has('whois') && room.isNonAnonymous) {
    // Jitsi's client ignores occupants whose presence lacks a real JID: once the room is
    // non-anonymous, everybody who could not see them gets the presences again, now with JIDs.
    for (const viewer of room.byNick.values()) {
      if (viewer.role === 'moderator') continue;
      for (const s of viewer.sessions.values()) room.sendRoster(s, viewer);
    }
  }
  if (change.changed.has('isModerated')) room.host.deps.log.debug('muc room moderation changed', { room: room.jid, isModerated: room.config.isModerated });
}

/**
 * §10.9: every occupant gets one unavailable presence from its own occupant JID carrying
 * `<destroy>` (no broadcast of everyone to everyone), then the room is gone. Also used for
 * service shutdown (§11.2, status 332) with `statuses`.
 */
export function destroyRoom(room: Room, destroy: MucDestroy | undefined, statuses: readonly number[] = []): void {
  room.isPersistent = false;
  for (const occ of room.byNick.values()) {
    const parts = {
      type: 'unavailable' as const, payload: [], role: 'none' as const, affiliation: 'none' as const, statuses,
      ...(destroy !== undefined ? { destroy } : {}),
    };
    const presence = buildOccupantPresence(occ, parts, occ.primary.full, [MucStatus.self]);
    room.sendToOccupant(occ, presence);
  }
  for (const occ of [...room.byNick.values()]) room.forget(occ);
  room.closeIfEmpty();
}
