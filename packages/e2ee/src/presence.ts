// What a participant says about E2EE in its MUC presence (protocols.md §8.6): whether its media is
// encrypted, its identity key, and its echo of the room's state (room-state.ts).
import type { El } from '@plenum/xmpp/codec';
import { child, el, text } from '@plenum/xmpp/codec';
import type { RoomE2eeState } from './room-state.ts';
import { readRoomE2ee, writeRoomE2ee } from './room-state.ts';

export const PROP_E2EE_ENABLED = 'jitsi_participant_e2ee.enabled';
export const PROP_E2EE_ID_KEY = 'jitsi_participant_e2ee.idKey.x25519';
export const PROP_E2EE_ROOM = 'jitsi_participant_e2ee.room';

/** An occupant's E2EE presence; what is absent or malformed reads as empty / false / undefined. */
export type E2eePresence = { readonly idKey: string; readonly encrypts: boolean; readonly room: RoomE2eeState | undefined };

export function readE2eePresence(presence: El): E2eePresence {
  return {
    idKey: text(child(presence, PROP_E2EE_ID_KEY)),
    encrypts: text(child(presence, PROP_E2EE_ENABLED)) === 'true',
    room: readRoomE2ee(text(child(presence, PROP_E2EE_ROOM))),
  };
}

/** Our presence elements: `room` is echoed once it was ever set (at > 0). */
export function e2eePresenceElements(p: { readonly encrypts: boolean; readonly idKey: string | undefined; readonly room?: RoomE2eeState }): El[] {
  const out = [el(PROP_E2EE_ENABLED, {}, String(p.encrypts))];
  if (p.idKey !== undefined) out.push(el(PROP_E2EE_ID_KEY, {}, p.idKey));
  if (p.room !== undefined && p.room.at > 0) out.push(el(PROP_E2EE_ROOM, {}, writeRoomE2ee(p.room)));
  return out;
}
