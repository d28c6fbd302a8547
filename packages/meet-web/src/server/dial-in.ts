// Dial-in information for Jitsi's client, served by Plenum itself (protocols.md §7, §9):
//   GET /dial-in/numbers  (config.dialInNumbersUrl): the configured numbers as
//       [{countryCode, formattedNumber, tollFree}] — the current format jitsi-meet reads (it also
//       reads a deprecated {numbers:{US:[…]}, numbersEnabled} object; Plenum serves the array).
//   GET /dial-in/code?conference=<room JID>  (config.dialInConfCodeUrl): the room's PIN in the
//       format of Jitsi's conference mapper, {message, id, conference}; 404 when there is none.
//
// What a stranger learns from /dial-in/code: given a room name they already know, that room's PIN
// — as with Jitsi's mapper — but only while a conference runs in it and only when the room is
// open (no password, no lobby), where the PIN admits no one the meeting link would not. Locked,
// unknown and ended rooms all answer the same 404, so the endpoint does not tell which rooms
// exist beyond what joining would. The focus rate-limits these lookups (dial/pin-directory.ts).
// Participants of a locked room read the PIN over XMPP (urn:plenum:dial-in:0) instead.

/** The PIN of a live, open room, or undefined (in all-in-one: the focus's PIN directory in-process). */
export type DialInDirectory = (roomJid: string) => Promise<string | undefined>;

/** One number in the `/dial-in/numbers` answer. */
export type DialInNumber = { readonly countryCode: string; readonly formattedNumber: string; readonly tollFree: boolean };

const NUMBER_ENTRY = /^([A-Za-z]{2}):(\+?[0-9][0-9 ().-]{2,31})(:toll-free)?$/;

/** Reads the configured `CC:+1 555 0100[:toll-free]` entries; undefined for a malformed one. */
export function parseDialInNumber(entry: string): DialInNumber | undefined {
  const m = NUMBER_ENTRY.exec(entry.trim());
  if (m === null) return undefined;
  return { countryCode: (m[1] as string).toUpperCase(), formattedNumber: (m[2] as string).trim(), tollFree: m[3] !== undefined };
}

/** Forwards lookups to a focus status server's `/dial-in/code` (a split deployment's PLENUM_WEB_DIAL_IN_MAPPER_URL). */
export function mapperDirectory(mapperUrl: string, timeoutMs: number): DialInDirectory {
  return async (roomJid) => {
    const url = new URL(mapperUrl);
    url.searchParams.set('conference', roomJid);
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`dial-in mapper answered ${res.status}`);
    const body = await res.json() as { readonly id?: unknown };
    return typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : undefined;
  };
}

const ROOM_NODE = /^[^@/\s"<>&]{1,256}$/;

/** The room JID of a `conference` query parameter when it names a room on `mucDomain`. */
export function roomOfQuery(conference: string | null, mucDomain: string): string | undefined {
  if (conference === null) return undefined;
  const jid = conference.trim().toLowerCase();
  const at = jid.lastIndexOf('@');
  if (at <= 0 || jid.slice(at + 1) !== mucDomain.toLowerCase() || !ROOM_NODE.test(jid.slice(0, at))) return undefined;
  return jid;
}

/** The `/dial-in/code` body for a found PIN (Jitsi's mapper spelling; `id` is a number there). */
export const conferenceCodeBody = (pin: string, conference: string): Record<string, unknown> =>
  ({ message: 'Successfully retrieved conference mapping', id: Number(pin), conference });
