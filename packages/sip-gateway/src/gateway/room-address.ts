// The room a dial-in call asks for: Jitsi's `Jitsi-Conference-Room` header carries either a bare
// room name ("standup") or the room's JID ("standup@conference.meet.example.com"). Either becomes
// the room's bare JID on this deployment's MUC; anything else is refused (the caller gets 404).
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import { parseJid } from '@plenum/xmpp/codec';

/** Room names longer than this are refused (Jitsi's own UI limits names far below it). */
export const MAX_ROOM_NAME_CHARS = 256;

export type RoomAddressError = { readonly code: 'bad-room'; readonly text: string };

const bad = (text: string): Result<never, RoomAddressError> => err({ code: 'bad-room', text });

/** `value` as a room's bare JID on `mucDomain` (room nodes are lower-case, as Jitsi makes them). */
export function roomJidFrom(value: string, mucDomain: string): Result<string, RoomAddressError> {
  const v = value.trim();
  if (v === '') return bad('empty room');
  if (v.length > MAX_ROOM_NAME_CHARS) return bad('room name too long');
  const jid = parseJid(v.includes('@') ? v : `${v}@${mucDomain}`);
  if (!jid.ok) return bad(jid.error.text);
  if (jid.value.local === '' || jid.value.resource !== '') return bad('not a bare room JID');
  if (jid.value.domain !== mucDomain) return bad('room on another MUC service');
  return ok(`${jid.value.local}@${jid.value.domain}`);
}
