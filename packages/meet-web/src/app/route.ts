// Where the URL points: `/` is the welcome page, `/<room>` a meeting (the last path segment, so a
// deployment under a sub-path or with Jitsi-style tenants `/<tenant>/<room>` works), `?jwt=` a
// token the core logs in with.
import { cleanRoomName } from './room-name.ts';

export type Route =
  | { readonly kind: 'welcome'; readonly jwt: string | undefined }
  | { readonly kind: 'room'; readonly room: string; readonly jwt: string | undefined };

export function parseRoute(pathname: string, search: string): Route {
  const jwt = new URLSearchParams(search).get('jwt') ?? undefined;
  const segments = pathname.split('/').filter((s) => s !== '');
  const last = segments.at(-1);
  let decoded: string | undefined;
  try {
    decoded = last === undefined ? undefined : decodeURIComponent(last);
  } catch {
    // A malformed escape is not a room: show the welcome page.
    decoded = undefined;
  }
  const room = decoded === undefined ? undefined : cleanRoomName(decoded);
  return room === undefined ? { kind: 'welcome', jwt } : { kind: 'room', room, jwt };
}

/** The path of a room's page, with `?jwt=` kept so a token link survives navigation. */
export function roomPath(room: string, jwt: string | undefined): string {
  return `/${encodeURIComponent(room)}${jwt === undefined ? '' : `?jwt=${encodeURIComponent(jwt)}`}`;
}
