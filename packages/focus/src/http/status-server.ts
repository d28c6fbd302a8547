// The focus's read-only HTTP endpoint for operators (`plenum status`, monitoring): GET /about/health
// and GET /stats (JSON: the bridges as the focus sees them, the conferences with their bridge and
// participant count, the SIP gateways and recorders in their breweries). Off unless `http.enabled`;
// binds loopback by default, since room names are not for the public. No user's JID or address is
// in it: rooms, bridge, gateway and recorder ids, and counts only.
// With dial-in on it also answers GET /dial-in/code?conference=<room JID> in the format of Jitsi's
// conference mapper ({message, id, conference}); the web server forwards its own /dial-in/code here
// in split deployments (what that reveals: dial/pin-directory.ts).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Focus } from '../focus.ts';
import type { BridgeSnapshot } from '../bridges/bridge-registry.ts';
import type { GatewaySnapshot } from '../dial/gateway-pool.ts';
import type { RecorderSnapshot } from '../recording/recorder-pool.ts';

/** One conference in /stats. */
export type ConferenceStatus = { readonly room: string; readonly bridge: string | null; readonly participants: number };

/** The body of GET /stats. */
export type FocusStatus = {
  readonly conferences: readonly ConferenceStatus[];
  readonly participants: number;
  readonly bridges: readonly BridgeSnapshot[];
  /** The jigasi brewery (SIP gateways) and the jibri brewery (recorders), as this focus sees them. */
  readonly sipGateways: readonly GatewaySnapshot[];
  readonly recorders: readonly RecorderSnapshot[];
};

/** What /stats reports, from the focus's state now. */
export function focusStatus(focus: Focus, nowMs: number): FocusStatus {
  const conferences = focus.conferences.all().map((c) => ({
    room: c.roomJid, bridge: c.bridge.session?.bridge.id ?? null, participants: c.participants.size,
  }));
  return {
    conferences, participants: conferences.reduce((n, c) => n + c.participants, 0), bridges: focus.bridges.snapshot(nowMs),
    sipGateways: focus.sipGateways, recorders: focus.recorders,
  };
}

const ROOM_JID = /^[^@/\s]{1,256}@[a-z0-9]([a-z0-9.-]{0,250}[a-z0-9])?$/;

/** A listening status server. */
export type StatusServer = { readonly port: number; close(): Promise<void> };

/** Serves /about/health and /stats on host:port (port 0: any free port). */
export async function startStatusServer(opts: {
  readonly host: string; readonly port: number; readonly status: () => FocusStatus; readonly isHealthy: () => boolean;
  /** The PIN of a live, open room (PinDirectory.pinForHttp); absent: /dial-in/code is 404. */
  readonly dialInCode?: (roomJid: string) => Promise<string | undefined>;
}): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://focus');
    const path = url.pathname;
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (path === '/stats') return send(200, opts.status());
    if (path === '/dial-in/code' && opts.dialInCode !== undefined) {
      const conference = (url.searchParams.get('conference') ?? '').toLowerCase();
      if (!ROOM_JID.test(conference)) return send(400, { message: 'conference must be a room JID' });
      opts.dialInCode(conference).then(
        (pin) => (pin === undefined ? send(404, { message: 'No conference mapping was found', conference }) : send(200, { message: 'Successfully retrieved conference mapping', id: Number(pin), conference })),
        () => send(500, { message: 'dial-in lookup failed' }));
      return;
    }
    if (path === '/about/health') return opts.isHealthy() ? send(200, { healthy: true }) : send(500, { healthy: false });
    return send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
