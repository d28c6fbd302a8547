// Room names in the URL (`/<room>`): the server serves index.html only for valid ones (the app
// joins `<room>@<hosts.muc>`, src/app/route.ts). The rule is Jitsi's default:
// letters, digits, `-`, `_` and `.`, case-insensitive; the MUC node is the lower-cased name.

/** Longest room name accepted (a MUC node may be 1023 bytes; URLs people share stay short). */
export const MAX_ROOM_NAME_LENGTH = 128;

const ROOM_NAME = /^[A-Za-z0-9._-]+$/;

/** Whether `name` (one path segment, not percent-decoded) is a valid room name. */
export function isValidRoomName(name: string): boolean {
  // Names made only of dots would be path navigation, not rooms.
  return name.length <= MAX_ROOM_NAME_LENGTH && ROOM_NAME.test(name) && !/^\.+$/.test(name);
}

/** The MUC node of the room a path like `/MyRoom` names (`myroom`), or undefined when it names none. */
export function roomFromPath(pathname: string): string | undefined {
  if (!pathname.startsWith('/')) return undefined;
  const name = pathname.slice(1);
  return isValidRoomName(name) ? name.toLowerCase() : undefined;
}
