import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket, AddressInfo } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { Clock, Logger, StanzaErrorBody } from '@plenum/kit';
import { systemClock } from '@plenum/kit';
import type { El, Jid, DiscoItem } from '../codec/index.ts';
import { LOBBY_IDENTITY_TYPE, bareJid, parseJid } from '../codec/index.ts';
import type { XmppConfig } from './config.ts';
import { lobbyDomainOf } from './config.ts';
import type { Authenticator } from './auth/types.ts';
import type { UserStore } from './auth/user-store.ts';
import { SessionRegistry } from './router/session-registry.ts';
import type { LocalService } from './router/stanza-router.ts';
import { StanzaRouter } from './router/stanza-router.ts';
import { ServerIqHandler } from './modules/server-handler.ts';
import { TurnCredentials } from './modules/turn-credentials.ts';
import { MucService } from './muc/muc-service.ts';
import { LobbyRooms } from './muc/lobby-rooms.ts';
import { TcpTransport, WsTransport } from './net/transport.ts';
import type { Transport } from './net/transport.ts';
import { ConnectionCounter } from './net/connection-counter.ts';
import { ComponentSecrets } from './net/component-secrets.ts';
import { C2sStream } from './session/c2s-stream.ts';
import type { ClientSession } from './session/client-session.ts';
import { ComponentPresenceHold } from './session/component-presence-hold.ts';
import { ComponentStream } from './session/component-stream.ts';
import { StreamWatchdog } from './session/stream-watchdog.ts';
import { buildAuthenticator } from './auth-setup.ts';
import { tokenAllowsRoom } from './auth/jwt-verifier.ts';

export type XmppServerDeps = {
  readonly config: XmppConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Local accounts (a FileUserStore in production, a MemoryUserStore in tests). */
  readonly users: UserStore;
};

/** Live numbers for status pages and tests. */
export type XmppServerStats = { readonly sessions: number; readonly components: readonly string[]; readonly rooms: number; readonly occupants: number; readonly connections: number };

const MAX_DIRECTED_PRESENCES = 1000;

/**
 * The XMPP server: client streams over TCP and WebSocket, XEP-0114 components, routing and the
 * MUC services. `listen()` opens the TCP ports; `attachHttp()` serves /xmpp-websocket on an
 * existing HTTP server, so one port can carry the web app, XMPP and the bridge channel.
 */
export class XmppServer {
  readonly config: XmppConfig;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #registry = new SessionRegistry();
  readonly #router: StanzaRouter;
  readonly #mucs = new Map<string, MucService>();
  readonly #lobby: LobbyRooms | undefined;
  readonly #authenticator: Authenticator;
  readonly #tlsContext: SecureContext | undefined;
  readonly #connections: ConnectionCounter;
  readonly #watchdog: StreamWatchdog;
  readonly #resumable = new Map<string, ClientSession>();
  readonly #streams = new Set<C2sStream | ComponentStream>();
  readonly #secrets: ComponentSecrets;
  readonly #presenceHold: ComponentPresenceHold;
  #tcp: TcpServer | undefined;
  #componentServer: TcpServer | undefined;
  #wss: WebSocketServer | undefined;
  readonly #detachHttp: (() => void)[] = [];
  #closed = false;

  constructor(deps: XmppServerDeps) {
    const config = deps.config;
    this.config = config;
    this.#log = deps.log;
    this.#clock = deps.clock ?? systemClock;
    this.#secrets = new ComponentSecrets(config.components.secrets);
    this.#presenceHold = new ComponentPresenceHold({
      clock: this.#clock, log: this.#log.child({ part: 'component' }), holdMs: config.components.holdRoomsSeconds * 1000,
      domains: new Set(config.components.holdRoomsOf.map((d) => d.toLowerCase())),
      isPresent: (domain, from, to) => [...this.#streams].some((s) => s instanceof ComponentStream && s.domain === domain && s.hasDirectedPresence(from, to)),
      route: (stanza, from) => this.#router.route(stanza, from),
    });
    this.#connections = new ConnectionCounter(config.limits.connectionsPerIp);
    this.#watchdog = new StreamWatchdog(this.#clock, {
      idleTimeoutMs: config.limits.idleTimeoutSeconds * 1000,
      authTimeoutMs: config.limits.authTimeoutSeconds * 1000,
    });
    this.#tlsContext = config.tls.certFile !== undefined && config.tls.keyFile !== undefined
      ? createSecureContext({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) })
      : undefined;
    this.#authenticator = buildAuthenticator({ config, log: this.#log.child({ part: 'auth' }), clock: this.#clock, users: deps.users });

    const services = new Map<string, LocalService>();
    const domains = config.auth.guestDomain !== undefined ? [config.domain, config.auth.guestDomain] : [config.domain];
    const lobbyDomain = config.lobby.enabled ? lobbyDomainOf(config) : undefined;
    const turn = new TurnCredentials(config.turn);
    const server = new ServerIqHandler({
      log: this.#log.child({ part: 'server-iq' }),
      send: (stanza) => this.#routeFromServer(stanza),
      items: () => this.#discoItems(),
      // Jitsi's client finds the lobby by this identity on the main domain (mod_muc_lobby_rooms).
      identities: () => (lobbyDomain !== undefined ? [{ category: 'component', type: LOBBY_IDENTITY_TYPE, name: lobbyDomain }] : []),
      externalServices: () => turn.services(),
    });
    this.#router = new StanzaRouter({
      domains, registry: this.#registry, services, server,
      isKnownComponent: (domain) => this.#secrets.isComponentDomain(domain), log: this.#log.child({ part: 'router' }),
    });
    if (lobbyDomain !== undefined) {
      this.#lobby = new LobbyRooms({
        config: { ...config.lobby, domain: lobbyDomain },
        log: this.#log.child({ part: 'muc', muc: 'lobby' }),
        clock: this.#clock,
        newId: () => randomUUID(),
        deliver: (stanza) => this.#routeFromServer(stanza),
        maxRooms: config.muc.maxRooms,
        mainRoom: (bare) => this.#mucs.get(config.mucDomain)?.room(bare),
      });
      this.#mucs.set(lobbyDomain, this.#lobby.service);
      services.set(lobbyDomain, this.#lobby.service);
    }
    for (const [domain, kind] of [[config.mucDomain, 'conference'], [config.internalMucDomain, 'internal']] as const) {
      const muc = new MucService({
        domain,
        log: this.#log.child({ part: 'muc', muc: kind }),
        clock: this.#clock,
        newId: () => randomUUID(),
        deliver: (stanza) => this.#routeFromServer(stanza),
        policy: {
          isAdmin: (real) => this.#isMucAdmin(real),
          mayEnter: (real, room) => (kind === 'internal' ? this.#mayEnterInternal(real) : this.#mayEnterConference(real, room)),
        },
        // Breweries are created by the first bridge/recorder that joins (admission is the guard there)
        // and show real JIDs, so a bridge can tell the focus from anyone else.
        config: kind === 'internal' ? { ...config.muc, restrictRoomCreation: false, defaultWhois: 'anyone' } : config.muc,
        ...(kind === 'conference' && this.#lobby !== undefined ? { hooks: this.#lobby.hooks } : {}),
      });
      this.#mucs.set(domain, muc);
      services.set(domain, muc);
    }
  }

  /** Opens the client TCP and component listeners (the WebSocket rides on attachHttp). */
  async listen(): Promise<void> {
    const { tcp, components } = this.config;
    if (tcp.enabled) {
      this.#tcp = createTcpServer((socket) => this.#acceptClient(new TcpTransport(socket), undefined, socket));
      await listenOn(this.#tcp, tcp.host, tcp.port);
    }
    if (components.enabled) {
      this.#componentServer = createTcpServer((socket) => this.#acceptComponent(socket));
      await listenOn(this.#componentServer, components.host, components.port);
    }
    this.#log.info('xmpp listening', { tcpPort: this.tcpPort, componentPort: this.componentPort, domain: this.config.domain });
  }

  /** Serves RFC 7395 WebSocket streams at `http.websocketPath` on an existing HTTP server. */
  attachHttp(http: HttpServer, isTls = false): void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => void this.handleUpgrade(req, socket, head, isTls);
    http.on('upgrade', onUpgrade);
    this.#detachHttp.push(() => http.off('upgrade', onUpgrade));
  }

  /**
   * Takes an HTTP upgrade if it is for `http.websocketPath` (true; refused with 400 without the
   * "xmpp" subprotocol), else leaves it alone (false): for a web server that dispatches upgrades itself.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, isTls = false): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.config.http.websocketPath) return false;
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (this.#closed || !offered.includes('xmpp')) {
      // RFC 7395 §3.2: the "xmpp" subprotocol is mandatory.
      socket.end(this.#closed
        ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n'
        : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nWebSocket subprotocol "xmpp" required (RFC 7395)\n');
      return true;
    }
    const maxStanza = this.config.limits.maxStanzaBytes;
    const wss = this.#wss ??= new WebSocketServer({
      noServer: true,
      // Frames a little over the stanza limit still reach the parser and get a stream error;
      // far bigger ones are cut off by ws itself before they are buffered.
      maxPayload: maxStanza * 16,
      handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false),
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const address = req.socket.remoteAddress ?? 'unknown';
      this.#acceptClient(new WsTransport(ws, address, isTls), url.searchParams.get('token') ?? undefined, undefined);
    });
    return true;
  }

  get tcpPort(): number | undefined {
    return (this.#tcp?.address() as AddressInfo | null)?.port;
  }

  get componentPort(): number | undefined {
    return (this.#componentServer?.address() as AddressInfo | null)?.port;
  }

  get stats(): XmppServerStats {
    let rooms = 0;
    let occupants = 0;
    for (const m of this.#mucs.values()) {
      rooms += m.stats.rooms;
      occupants += m.stats.occupants;
    }
    return { sessions: this.#registry.sessionCount, components: this.#registry.componentDomains(), rooms, occupants, connections: this.#connections.total };
  }

  /** Stops listening, ends every stream with `system-shutdown`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const detach of this.#detachHttp) detach();
    this.#presenceHold.close();
    for (const s of [...this.#streams]) s.streamError('system-shutdown', 'server shutting down');
    for (const s of this.#registry.allSessions()) (s as ClientSession).end();
    this.#watchdog.close();
    for (const m of this.#mucs.values()) m.close();
    this.#wss?.close();
    await Promise.all([closeServer(this.#tcp), closeServer(this.#componentServer)]);
    this.#log.info('xmpp stopped');
  }

  #acceptClient(transport: Transport, token: string | undefined, socket: Socket | undefined): void {
    const address = transport.remoteAddress;
    const counted = this.#connections.acquire(address);
    const stream: C2sStream = new C2sStream(transport, {
      config: this.config,
      log: this.#log.child({ part: 'c2s' }),
      clock: this.#clock,
      registry: this.#registry,
      authenticator: this.#authenticator,
      tlsContext: this.#tlsContext,
      resumable: this.#resumable,
      sessionDeps: {
        router: this.#router, registry: this.#registry, clock: this.#clock, log: this.#log,
        resumeTimeoutSeconds: this.config.streamManagement.resumeTimeoutSeconds,
        maxDirectedPresences: MAX_DIRECTED_PRESENCES,
      },
      token,
      onClosed: (s) => {
        this.#streams.delete(s);
        this.#watchdog.remove(s);
        if (counted) this.#connections.release(address);
      },
    });
    if (!counted) {
      stream.streamError('policy-violation', 'too many connections from your address');
      return;
    }
    socket?.setKeepAlive(true, 30_000);
    this.#streams.add(stream);
    this.#watchdog.add(stream);
  }

  #acceptComponent(socket: Socket): void {
    socket.setKeepAlive(true, 30_000);
    const reserved = new Set([this.config.domain, ...this.#mucs.keys(), ...(this.config.auth.guestDomain ? [this.config.auth.guestDomain] : [])]);
    const stream: ComponentStream = new ComponentStream(new TcpTransport(socket), {
      log: this.#log.child({ part: 'component' }),
      clock: this.#clock,
      registry: this.#registry,
      router: this.#router,
      secrets: this.#secrets,
      maxStanzaBytes: this.config.limits.componentMaxStanzaBytes,
      reservedDomains: reserved,
      onClosed: (s) => {
        this.#streams.delete(s);
        this.#watchdog.remove(s);
      },
      presenceHold: this.#presenceHold,
    });
    this.#streams.add(stream);
    this.#watchdog.add(stream);
  }

  /** Stanzas the server itself emits (IQ replies, MUC traffic) enter the router like any other. */
  #routeFromServer(stanza: El): void {
    // Fast path for MUC fan-out: the address came from a bound session, so it is canonical.
    const to = stanza.attrs.to;
    if (to !== undefined) {
      const session = this.#registry.session(to);
      if (session !== undefined) return session.deliver(stanza);
    }
    const from = parseJid(stanza.attrs.from ?? this.config.domain);
    this.#router.route(stanza, from.ok ? from.value : { local: '', domain: this.config.domain, resource: '' });
  }

  #discoItems(): DiscoItem[] {
    return [
      { jid: this.config.mucDomain, name: 'Conference rooms' },
      ...this.#registry.componentDomains().map((jid) => ({ jid })),
    ];
  }

  #matches(real: Jid, entries: readonly string[]): boolean {
    const bare = bareJid(real);
    return entries.some((e) => (e.includes('@') ? e.toLowerCase() === bare : e.toLowerCase() === real.domain));
  }

  #isMucAdmin(real: Jid): boolean {
    return this.#matches(real, this.config.muc.admins);
  }

  #mayEnterInternal(real: Jid): StanzaErrorBody | undefined {
    if (this.#secrets.isComponentDomain(real.domain) || this.#matches(real, this.config.muc.internalAllowed)) return undefined;
    return { type: 'auth', condition: 'forbidden', text: 'the internal MUC is for components and service accounts' };
  }

  #mayEnterConference(real: Jid, room: Jid): StanzaErrorBody | undefined {
    const session = this.#registry.session(`${bareJid(real)}/${real.resource}`);
    if (session === undefined || session.identity.kind !== 'token') return undefined;
    const allowed = tokenAllowsRoom(session.identity.claims, room.local);
    return allowed ? undefined : { type: 'auth', condition: 'not-authorized', text: 'your token does not allow this room' };
  }
}

function listenOn(server: TcpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: TcpServer | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
