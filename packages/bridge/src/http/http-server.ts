// The bridge's HTTP endpoints (JVB's REST API subset): GET /colibri/stats (JSON),
// GET /about/health (200 healthy, 500 not) and GET /metrics (Prometheus text); WebSocket upgrades go to `deps.upgrade` (the bridge
// channel, /colibri-ws/…). Anything else is 404. Binds loopback by default: a proxy in front
// publishes /colibri-ws/ only.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { PROMETHEUS_CONTENT_TYPE } from '../stats/prometheus.ts';

/** What the endpoints report. */
export type HttpDeps = {
  stats(): Record<string, number | boolean | string>;
  health(): { readonly isHealthy: boolean; readonly reason?: string };
  /** The Prometheus exposition text for GET /metrics (404 when absent). */
  metrics?(): string;
  /** Handles a WebSocket upgrade; false = not its path (answered 404 here). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
};

/** A listening HTTP server. */
export type BridgeHttp = { readonly port: number; close(): Promise<void> };

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): void {
  const path = new URL(req.url ?? '/', 'http://bridge').pathname;
  if (req.method === 'GET' && path === '/colibri/stats') return send(res, 200, deps.stats());
  if (req.method === 'GET' && path === '/metrics' && deps.metrics !== undefined) {
    const body = deps.metrics();
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (req.method === 'GET' && path === '/about/health') {
    const h = deps.health();
    return send(res, h.isHealthy ? 200 : 500, h.isHealthy ? { healthy: true } : { healthy: false, reason: h.reason });
  }
  send(res, 404, { error: 'not found' });
}

/** Starts listening on host:port (0 = a free port). */
export async function startHttpServer(host: string, port: number, deps: HttpDeps): Promise<BridgeHttp> {
  const server: Server = createServer((req, res) => route(req, res, deps));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (deps.upgrade?.(req, socket, head) !== true) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
