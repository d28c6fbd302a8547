// The focus's read-only HTTP endpoint for operators (`plenum status`, monitoring): GET /about/health
// and GET /stats (JSON: the bridges as the focus sees them, the conferences with their bridge and
// participant count). Off unless `http.enabled`; binds loopback by default, since room names are
// not for the public. No user's JID or address is in it: rooms, bridge ids and counts only.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Focus } from '../focus.ts';
import type { BridgeSnapshot } from '../bridges/bridge-registry.ts';

/** One conference in /stats. */
export type ConferenceStatus = { readonly room: string; readonly bridge: string | null; readonly participants: number };

/** The body of GET /stats. */
export type FocusStatus = {
  readonly conferences: readonly ConferenceStatus[];
  readonly participants: number;
  readonly bridges: readonly BridgeSnapshot[];
};

/** What /stats reports, from the focus's state now. */
export function focusStatus(focus: Focus, nowMs: number): FocusStatus {
  const conferences = focus.conferences.all().map((c) => ({
    room: c.roomJid, bridge: c.bridge.session?.bridge.id ?? null, participants: c.participants.size,
  }));
  return { conferences, participants: conferences.reduce((n, c) => n + c.participants, 0), bridges: focus.bridges.snapshot(nowMs) };
}

/** A listening status server. */
export type StatusServer = { readonly port: number; close(): Promise<void> };

/** Serves /about/health and /stats on host:port (port 0: any free port). */
export async function startStatusServer(opts: {
  readonly host: string; readonly port: number; readonly status: () => FocusStatus; readonly isHealthy: () => boolean;
}): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://focus').pathname;
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (path === '/stats') return send(200, opts.status());
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
