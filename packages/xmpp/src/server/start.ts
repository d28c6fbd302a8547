import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@plenum/kit';
import { silentLogger } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import { createPinoLogger } from '@plenum/kit/node';
import type { XmppConfig } from './config.ts';
import { loadXmppConfig } from './config.ts';
import type { UserStore } from './auth/user-store.ts';
import { FileUserStore } from './auth/user-store.ts';
import { XmppServer } from './xmpp-server.ts';

/** A server started with its own HTTP listener, as `npm start` and the tests run it. */
export type RunningXmppServer = {
  readonly server: XmppServer;
  readonly config: XmppConfig;
  readonly http: HttpServer;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly componentPort: number;
  close(): Promise<void>;
};

export type StartOptions = ConfigSources & {
  /** A ready configuration; when absent one is loaded from `values`, `file` and `env`. */
  readonly config?: XmppConfig;
  readonly log?: Logger;
  readonly users?: UserStore;
};

/**
 * Starts the XMPP server with an HTTP listener for /xmpp-websocket. Any other HTTP request gets
 * 404 here; the all-in-one process attaches the server to its own HTTP server instead.
 */
export async function startXmppServer(opts: StartOptions = {}): Promise<RunningXmppServer> {
  const config = opts.config ?? loadXmppConfig(opts);
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'xmpp' }));
  const users = opts.users ?? await openUsers(config.auth.usersFile, log);
  const server = new XmppServer({ config, log, users });
  const http = createServer((req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(req.url?.startsWith(config.http.websocketPath) ? 'WebSocket upgrade required\n' : 'not found\n');
  });
  server.attachHttp(http);
  http.on('upgrade', (req, socket) => {
    // Paths nobody serves: refuse instead of leaving the socket hanging.
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== config.http.websocketPath) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    }
  });
  await server.listen();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.http.port, config.http.host, () => resolve());
  });
  let closed: Promise<void> | undefined;
  return {
    server,
    config,
    http,
    tcpPort: server.tcpPort ?? 0,
    httpPort: (http.address() as AddressInfo).port,
    componentPort: server.componentPort ?? 0,
    close() {
      closed ??= (async () => {
        await server.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closed;
    },
  };
}

async function openUsers(path: string, log: Logger): Promise<UserStore> {
  const store = await FileUserStore.open(path, { log: log.child({ part: 'users' }) });
  if (!store.ok) throw new Error(`auth.usersFile ${path}: ${store.error.text}`);
  return store.value;
}
