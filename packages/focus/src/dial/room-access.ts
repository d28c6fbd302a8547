// What keeps strangers out of a room, read from the MUC itself: the focus is a service admin of
// the conference MUC, so it may fetch any room's owner configuration form (XEP-0045 §10.2) — the
// password (`muc#roomconfig_roomsecret`) and members-only (the lobby, protocols.md §8.4). Asking
// the room rather than remembering what moderators set keeps every focus instance right, also one
// that did not see the change.
import type { El } from '@plenum/xmpp/codec';
import { NS_DATA_FORMS, NS_MUC_OWNER, child, decodeDataForm, el, fieldValue, parseFormBoolean } from '@plenum/xmpp/codec';
import type { Ids, StanzaChannel } from '../ports.ts';

export type RoomAccess = {
  /** The room's password; undefined when it has none. */
  readonly password: string | undefined;
  readonly isMembersOnly: boolean;
};

/** Fetches the room's access settings; rejects like StanzaChannel.request (e.g. item-not-found when the room is gone). */
export async function fetchRoomAccess(deps: { readonly channel: StanzaChannel; readonly ids: Ids; readonly focusJid: string; readonly timeoutMs: number }, roomJid: string): Promise<RoomAccess> {
  const reply = await deps.channel.request(
    el('iq', { type: 'get', from: deps.focusJid, to: roomJid, id: deps.ids.next() }, el('query', { xmlns: NS_MUC_OWNER })),
    { timeoutMs: deps.timeoutMs });
  const access = readRoomAccess(reply);
  // Unreadable: callers must not guess "open" (a PIN or password would be handed out wrongly).
  if (access === undefined) throw new Error('the room configuration form is unreadable');
  return access;
}

/** Reads the owner form of a muc#owner result; undefined when there is none. */
export function readRoomAccess(reply: El): RoomAccess | undefined {
  const x = child(child(reply, 'query', NS_MUC_OWNER) ?? el('query'), 'x', NS_DATA_FORMS);
  const form = x === undefined ? undefined : decodeDataForm(x);
  if (form === undefined || !form.ok) return undefined;
  const secret = fieldValue(form.value, 'muc#roomconfig_roomsecret') ?? '';
  return {
    password: secret === '' ? undefined : secret,
    isMembersOnly: parseFormBoolean(fieldValue(form.value, 'muc#roomconfig_membersonly') ?? '0') === true,
  };
}
