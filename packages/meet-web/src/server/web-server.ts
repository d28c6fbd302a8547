// The web server people open: the app (index.html for `/` and every `/<room>`, the hashed
// bundle, /config.js), /about/health, and WebSocket upgrades handed to the embedder's handlers
// (the XMPP server's /xmpp-websocket, the bridge's /colibri-ws/…) so that everything the page
// talks to is on its own origin. Only GET and HEAD; every body comes from the in-memory table.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@plenum/kit';
import { PlenumError, silentLogger } from '@plenum/kit';
import { createPinoLogger } from '@plenum/kit/node';
import type { WebConfig } from '../shared/web-config.ts';
import { buildAppBundle } from './app-bundle.ts';
import type { WebServerConfig } from './config.ts';
import { isTls as isTlsConfig, operatorWebConfig } from './config.ts';
import { renderConfigJs, websocketUrlFor } from './config-js.ts';
import { roomFromPath } from './room-path.ts';
import type { DialInDirectory } from './dial-in.ts';
import { conferenceCodeBody, mapperDirectory, parseDialInNumber, roomOfQuery } from './dial-in.ts';
import { COMMON_HEADERS, contentSecurityPolicy, isValidHostHeader, PAGE_HEADERS } from './security-headers.ts';
import type { TlsIdentity } from './self-signed-certificate.ts';
import { createSelfSignedCertificate } from './self-signed-certificate.ts';
import type { SiteFile } from './site-files.ts';
import { buildSiteFiles, siteFile, startCompressing } from './site-files.ts';

/** Answers a GET/HEAD under a path prefix another component serves on this origin (the recorder's downloads in npm start). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Takes a WebSocket upgrade (true) or leaves it to the next handler (false); unclaimed ones get 404. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export type WebServerOptions = {
  readonly config: WebServerConfig;
  /** The XMPP names for `/config.js` (domain, MUC, focus, guest domain). */
  readonly hosts: WebConfig['hosts'];
  /** Path of the XMPP WebSocket on this origin (default `/xmpp-websocket`). */
  readonly websocketPath?: string;
  /** Upgrade handlers, asked in order; more can be added later with `addUpgradeHandler`. */
  readonly upgrades?: readonly UpgradeHandler[];
  /** `/about/health`: 200 when true, 503 when false (200 when absent). */
  readonly health?: () => boolean;
  /** PIN lookups for `/dial-in/code` (all-in-one: the focus in-process); default: `dialIn.mapperUrl`, else none (404). */
  readonly dialInDirectory?: DialInDirectory;
  readonly log?: Logger;
};

export type RunningWebServer = {
  /** The listening server (HTTPS when `isTls`); `XmppServer.attachHttp` works on it too. */
  readonly http: HttpServer;
  readonly port: number;
  readonly isTls: boolean;
  /** The origin people open (`publicUrl`, or derived from host and port), without a trailing slash. */
  readonly url: string;
  /** Path of the hashed app script, as index.html loads it. */
  readonly scriptPath: string;
  /** Adds an upgrade handler (asked after the earlier ones); returns a function that removes it. */
  addUpgradeHandler(handler: UpgradeHandler): () => void;
  /** Serves every path starting with `prefix` (e.g. `/recordings/`) by `handler`; returns a function that removes it. */
  addRoute(prefix: string, handler: RouteHandler): () => void;
  /** Stops listening and drops open HTTP connections (upgraded WebSockets belong to their handlers). Idempotent. */
  close(): Promise<void>;
};

const CODINGS = ['br', 'gzip'] as const;
const ACCEPTS = { br: /\bbr\b/, gzip: /\bgzip\b/ } as const;

const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');
const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::';

/** The origin people open when no publicUrl is configured. */
function derivedUrl(c: WebServerConfig, port: number, isTls: boolean): string {
  const scheme = isTls ? 'https' : 'http';
  const name = isLoopbackHost(c.host) || isWildcardHost(c.host) ? 'localhost' : c.host.includes(':') ? `[${c.host}]` : c.host;
  const isDefaultPort = (isTls && port === 443) || (!isTls && port === 80);
  return `${scheme}://${name}${isDefaultPort ? '' : `:${port}`}`;
}

function tlsIdentity(c: WebServerConfig, nowMs: number): TlsIdentity | undefined {
  if (c.tls.certFile !== undefined && c.tls.keyFile !== undefined) {
    try {
      return { certPem: readFileSync(c.tls.certFile, 'utf8'), keyPem: readFileSync(c.tls.keyFile, 'utf8') };
    } catch (error) {
      throw new PlenumError('tls-files', `tls.certFile / tls.keyFile: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!c.tls.selfSigned) return undefined;
  const names = ['localhost', '127.0.0.1', '::1'];
  if (!isWildcardHost(c.host)) names.push(c.host);
  if (c.publicUrl !== '') names.push(new URL(c.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  return createSelfSignedCertificate(names, nowMs);
}

/** Builds the app, then listens. Rejects with a PlenumError if the app does not build or the TLS files cannot be read. */
export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const { config } = opts;
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'web' }));
  const websocketPath = opts.websocketPath ?? '/xmpp-websocket';
  const isTls = isTlsConfig(config);
  const buildStartedAt = performance.now();
  const bundle = await buildAppBundle({ minify: config.minify });
  const site = buildSiteFiles(bundle, config.appName);
  const buildMs = Math.round(performance.now() - buildStartedAt);
  const identity = tlsIdentity(config, Date.now());
  const operatorConfig = operatorWebConfig(config, opts.hosts);
  // The E2EE frame worker is a file of the bundle: the page learns its hashed name from config.js.
  const operator = { ...operatorConfig, e2ee: { enabledByDefault: operatorConfig.e2ee?.enabledByDefault ?? false, workerUrl: bundle.workerPath } };
  const upgrades: UpgradeHandler[] = [...(opts.upgrades ?? [])];
  const routes = new Map<string, RouteHandler>();
  // Dial-in (dial-in.ts): the number list is fixed; PINs come from the focus.
  const dialInNumbers = config.dialIn.numbers.flatMap((n) => parseDialInNumber(n) ?? []);
  const dialInDirectory = opts.dialInDirectory
    ?? (config.dialIn.mapperUrl !== undefined ? mapperDirectory(config.dialIn.mapperUrl, config.dialIn.lookupTimeoutMs) : undefined);
  // Set once listening: the public origin's WebSocket is allowed even when the page came by another name.
  let publicWebSocketOrigin: string | undefined;
  // Behind a TLS-terminating proxy the page is https although this server is not: a request for the
  // configured public https origin gets wss:// URLs (anything else would be blocked as mixed content).
  const publicHttpsHost = config.publicUrl.startsWith('https:') ? new URL(config.publicUrl).host : undefined;
  const isSecurePage = (host: string): boolean => isTls || host.toLowerCase() === publicHttpsHost;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, file: SiteFile, headers: Record<string, string>): void => {
    const accepted = String(req.headers['accept-encoding'] ?? '');
    startCompressing(file);
    const encoding = CODINGS.find((c) => file.encoded.has(c) && ACCEPTS[c].test(accepted));
    const body = (encoding !== undefined ? file.encoded.get(encoding) : undefined) ?? file.body;
    const isNotModified = status === 200 && req.headers['if-none-match'] === file.etag;
    res.writeHead(isNotModified ? 304 : status, {
      ...COMMON_HEADERS,
      ...headers,
      'content-type': file.contentType,
      etag: file.etag,
      ...(file.isCompressible ? { vary: 'accept-encoding' } : {}),
      ...(isNotModified ? {} : { 'content-length': String(body.length), ...(encoding !== undefined ? { 'content-encoding': encoding } : {}) }),
    });
    res.end(req.method === 'HEAD' || isNotModified ? undefined : body);
  };
  const sendText = (req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void =>
    send(req, res, status, siteFile('text/plain; charset=utf-8', Buffer.from(text), { isCompressible: false }), { 'cache-control': 'no-store', ...headers });
  const pageHeaders = (host: string): Record<string, string> => ({
    ...PAGE_HEADERS,
    'content-security-policy': contentSecurityPolicy(host, isSecurePage(host), publicWebSocketOrigin !== undefined ? [publicWebSocketOrigin] : []),
    'cache-control': 'no-cache',
  });

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(req, res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    const host = req.headers.host;
    if (!isValidHostHeader(host)) return sendText(req, res, 400, 'bad Host header\n');
    // Only origin-form targets ("/path?query"); the path is looked up as is, never decoded or joined to a directory.
    const target = req.url ?? '';
    if (!target.startsWith('/')) return sendText(req, res, 400, 'bad request target\n');
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    const asset = site.assets.get(path);
    if (asset !== undefined) return send(req, res, 200, asset, { 'cache-control': 'public, max-age=31536000, immutable' });
    if (path === '/config.js') {
      const body = renderConfigJs({ ...operator, websocket: websocketUrlFor(host, isSecurePage(host), websocketPath) });
      return send(req, res, 200, siteFile('text/javascript; charset=utf-8', Buffer.from(body), { isCompressible: false }), { 'cache-control': 'no-cache' });
    }
    if (path === '/about/health') {
      const isHealthy = opts.health?.() ?? true;
      return send(req, res, isHealthy ? 200 : 503, siteFile('application/json', Buffer.from(JSON.stringify({ healthy: isHealthy })), { isCompressible: false }), { 'cache-control': 'no-store' });
    }
    if (path === '/dial-in/numbers' || path === '/dial-in/code') return serveDialIn(req, res, path, query === -1 ? '' : target.slice(query + 1));
    for (const [prefix, handle] of routes) if (path.startsWith(prefix)) return handle(req, res);
    // Jitsi's client GETs its WebSocket URL over HTTP as a keep-alive (protocols.md §12): any answer will do.
    if (path === websocketPath) return sendText(req, res, 200, 'XMPP over WebSocket (RFC 7395): connect with the "xmpp" subprotocol\n');
    if (path === '/' || roomFromPath(path) !== undefined) return send(req, res, 200, site.indexPage, pageHeaders(host));
    log.debug('not found', { path: path.slice(0, 200) });
    return send(req, res, 404, site.notFoundPage, pageHeaders(host));
  };

  const sendJson = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void =>
    send(req, res, status, siteFile('application/json', Buffer.from(JSON.stringify(body)), { isCompressible: false }), { 'cache-control': 'no-store' });
  const serveDialIn = (req: IncomingMessage, res: ServerResponse, path: string, search: string): void => {
    if (dialInNumbers.length === 0) return sendJson(req, res, 404, { message: 'dial-in is not configured' });
    if (path === '/dial-in/numbers') return sendJson(req, res, 200, dialInNumbers);
    const conference = roomOfQuery(new URLSearchParams(search).get('conference'), opts.hosts.muc);
    if (conference === undefined) return sendJson(req, res, 400, { message: `conference must be a room JID on ${opts.hosts.muc}` });
    if (dialInDirectory === undefined) return sendJson(req, res, 404, { message: 'No conference mapping was found', conference });
    dialInDirectory(conference).then(
      (pin) => (pin === undefined
        ? sendJson(req, res, 404, { message: 'No conference mapping was found', conference })
        : sendJson(req, res, 200, conferenceCodeBody(pin, conference))),
      (error: unknown) => {
        log.warn('dial-in lookup failed', { error: (error as Error).message });
        if (!res.headersSent) sendJson(req, res, 502, { message: 'dial-in lookup failed' });
      });
  };

  // A bug (or a throwing health callback) fails its own request, never the process.
  const onRequestSafely = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      onRequest(req, res);
    } catch (error) {
      log.error('request failed', { error: (error as Error).message });
      if (!res.headersSent) sendText(req, res, 500, 'internal error\n');
      else res.destroy();
    }
  };
  const server: HttpServer = identity === undefined
    ? createHttpServer(onRequestSafely)
    : createHttpsServer({ cert: identity.certPem, key: identity.keyPem }, onRequestSafely);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer resetting mid-handshake must not crash the process; handlers add their own listeners.
    socket.on('error', (error) => log.debug('upgrade socket error', { error: error.message }));
    try {
      for (const handler of upgrades) if (handler(req, socket, head)) return;
    } catch (error) {
      log.error('upgrade handler failed', { error: (error as Error).message });
      socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = config.publicUrl !== '' ? config.publicUrl.replace(/\/$/, '') : derivedUrl(config, port, isTls);
  publicWebSocketOrigin = url.replace(/^http/, 'ws');
  if (!isTls && !isLoopbackHost(config.host)) {
    log.warn('serving plain HTTP beyond this machine: browsers allow camera and microphone only on https:// or http://localhost', { host: config.host });
  }
  log.info('web server listening', { url, port, tls: isTls, buildMs, appScript: bundle.scriptPath, appBytes: site.assets.get(bundle.scriptPath)?.body.length });

  let closing: Promise<void> | undefined;
  return {
    http: server, port, isTls, url, scriptPath: bundle.scriptPath,
    addUpgradeHandler(handler) {
      upgrades.push(handler);
      return () => {
        const i = upgrades.indexOf(handler);
        if (i !== -1) upgrades.splice(i, 1);
      };
    },
    addRoute(prefix, handler) {
      routes.set(prefix, handler);
      return () => {
        if (routes.get(prefix) === handler) routes.delete(prefix);
      };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
