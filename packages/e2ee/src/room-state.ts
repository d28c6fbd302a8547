// Whether the room is end-to-end encrypted, as every participant's presence echoes it
// (`jitsi_participant_e2ee.room` = `{"on":true,"at":<ms>}`), pure so it is tested alone.
//
// Why presence and not a room metadata service: the room sends a newcomer every occupant's current
// presence before its own, so the state is known when the join completes, and it outlives the
// moderator who set it (everyone echoes it). Rules: the newest change wins; turning E2EE ON is
// accepted from anyone (it can only make the room safer), turning it OFF only from a moderator, so
// a participant cannot downgrade the room by echoing a forged "off".

export type RoomE2eeState = { readonly on: boolean; readonly at: number };

export const ROOM_E2EE_OFF: RoomE2eeState = { on: false, at: 0 };

/** Reads the presence value; anything malformed is no value. */
export function readRoomE2ee(text: string): RoomE2eeState | undefined {
  if (text === '' || text.length > 256) return undefined;
  try {
    const v = JSON.parse(text) as { on?: unknown; at?: unknown };
    return typeof v.on === 'boolean' && typeof v.at === 'number' && Number.isFinite(v.at) && v.at >= 0 ? { on: v.on, at: v.at } : undefined;
  } catch {
    return undefined;
  }
}

export const writeRoomE2ee = (s: RoomE2eeState): string => JSON.stringify({ on: s.on, at: s.at });

/** The state after seeing `seen` in the presence of an occupant who is (or is not) a moderator. */
export function mergeRoomE2ee(current: RoomE2eeState, seen: RoomE2eeState | undefined, fromModerator: boolean): RoomE2eeState {
  if (seen === undefined || seen.at <= current.at) return current;
  if (current.on && !seen.on && !fromModerator) return current;
  return seen;
}

/** A change made here (a moderator's switch, or the server default in a new room): later than anything seen. */
export const changedRoomE2ee = (current: RoomE2eeState, on: boolean, nowMs: number): RoomE2eeState => ({ on, at: Math.max(nowMs, current.at + 1) });
