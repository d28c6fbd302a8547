// Hands a WebSocket upgrade the web server received to another local HTTP server (the XMPP
// server's /xmpp-websocket, a bridge's /colibri-ws/…) by replaying the request head on a fresh TCP
// connection and piping both ways. The split deployment's web process needs it because the app
// talks to everything on its own origin; the all-in-one process hands sockets over in memory.
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Where an upgrade goes. */
export type UpstreamAddress = { readonly host: string; readonly port: number };

/** Pipes the upgrade to `target`; either side closing or failing closes the other. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: UpstreamAddress): void {
  const upstream = connect(target.port, target.host);
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  upstream.once('connect', () => {
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  const closeBoth = (): void => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.once('error', closeBoth);
  upstream.once('close', closeBoth);
  socket.once('error', closeBoth);
  socket.once('close', closeBoth);
}

/** Reads `id=host:port,…` (bridge routes for /colibri-ws/<id>/…); throws on a malformed entry. */
export function parseRoutes(list: string): Map<string, UpstreamAddress> {
  const routes = new Map<string, UpstreamAddress>();
  for (const entry of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([a-z0-9-]+)=([^:]+):(\d{1,5})$/.exec(entry);
    if (m === null) throw new Error(`bad route "${entry}": expected <bridge id>=<host>:<port>`);
    routes.set(m[1] as string, { host: m[2] as string, port: Number(m[3]) });
  }
  return routes;
}
