// The bridge's ICE-TCP listener (RFC 6544 passive candidate; Jitsi's TCP harvester): the fallback
// for endpoints whose UDP is blocked. Every endpoint shares one TCP port; a connection belongs to
// no endpoint until a valid connectivity check for one arrives on it (STUN routed by USERNAME, as
// on UDP). Until then it is "pending": bounded in number (the oldest is closed to admit a new one,
// so a flood cannot lock legitimate clients out for long) and in time (closed after the deadline:
// slowloris). Authenticated connections are bounded per endpoint and closed with their endpoint.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { IceTcpConnection } from './ice-tcp-connection.ts';
import type { TransportCounters } from './transport-counters.ts';

/** Options of IceTcpMux.listen. */
export type IceTcpMuxOptions = {
  /** Address to bind. */
  readonly host: string;
  /** 0 picks a free port (read it back from `port`). */
  readonly port: number;
  readonly counters: TransportCounters;
  readonly log: Logger;
  readonly clock: Clock;
  /** A connection without a valid check this long after it was accepted is closed. */
  readonly authTimeoutMs: number;
  /** Connections awaiting their first valid check; beyond this the oldest of them is closed. */
  readonly maxPendingConnections: number;
  /** Write-buffer bound per connection over which media is dropped; default MEDIA_WRITE_LIMIT_BYTES. */
  readonly mediaWriteLimitBytes?: number;
  /** Every STUN frame, with its connection. */
  onStun(frame: Buffer, connection: IceTcpConnection): void;
};

/**
 * Media queued per connection before it is dropped: about half a second of 2 Mbit/s video. Later
 * than that, media is worth less than the fresher packets behind it.
 */
export const MEDIA_WRITE_LIMIT_BYTES = 128 * 1024;
/** STUN answers and DTLS still queue up to this (four times the media bound). */
const CONTROL_WRITE_FACTOR = 4;
/**
 * Authenticated connections per endpoint: a client opens one per local interface it checks from
 * (libwebrtc's active TCP candidates); beyond this the oldest unselected one is closed.
 */
export const MAX_CONNECTIONS_PER_ENDPOINT = 4;

/** The ICE-TCP listener shared by every endpoint. */
export class IceTcpMux {
  readonly #server: Server;
  readonly #options: IceTcpMuxOptions;
  readonly #port: number;
  /** Pending connections in arrival order, with their deadline's cancel. */
  readonly #pending = new Map<IceTcpConnection, Cancel>();
  readonly #byOwner = new Map<object, Set<IceTcpConnection>>();
  readonly #sockets = new Set<Socket>();
  #closing: Promise<void> | undefined;

  private constructor(server: Server, options: IceTcpMuxOptions) {
    this.#server = server;
    this.#options = options;
    const address = server.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : options.port;
    server.on('connection', (socket) => this.#accept(socket));
    // After listen: accept errors (EMFILE…) must not crash the bridge.
    server.on('error', (error: NodeJS.ErrnoException) => options.log.warn('ice-tcp listener error', { code: error.code }));
  }

  /** Listens; resolves once bound. */
  static listen(options: IceTcpMuxOptions): Promise<IceTcpMux> {
    // noDelay: media must not wait for Nagle's algorithm to fill a segment.
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(options.port, options.host, () => {
        server.off('error', onError);
        resolve(new IceTcpMux(server, options));
      });
    });
  }

  /** The bound port (the real one when 0 was asked). */
  get port(): number {
    return this.#port;
  }

  /** Open connections, pending ones included. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Connections still waiting for a valid check. */
  get pendingConnections(): number {
    return this.#pending.size;
  }

  /** A valid check for `owner` arrived on `connection`: it belongs to that endpoint from now on. */
  authenticate(connection: IceTcpConnection, owner: object): void {
    if (!connection.isOpen || connection.owner !== undefined) return;
    this.#pending.get(connection)?.();
    this.#pending.delete(connection);
    connection.authenticate(owner);
    this.#options.counters.tcpConnectionsAuthenticated++;
    let owned = this.#byOwner.get(owner);
    if (owned === undefined) {
      owned = new Set();
      this.#byOwner.set(owner, owned);
    }
    owned.add(connection);
    if (owned.size > MAX_CONNECTIONS_PER_ENDPOINT) {
      for (const c of owned) {
        if (c !== connection && !c.isSelected) {
          c.close('too many connections for the endpoint');
          break;
        }
      }
    }
  }

  /** Closes every connection an endpoint authenticated (its transport closed). */
  closeConnectionsOf(owner: object): void {
    const owned = this.#byOwner.get(owner);
    if (owned === undefined) return;
    for (const c of [...owned]) c.close('endpoint closed');
    this.#byOwner.delete(owner);
  }

  /** Stops listening and closes every connection (idempotent). */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      for (const socket of [...this.#sockets]) socket.destroy();
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }

  #accept(socket: Socket): void {
    const { remoteAddress, remotePort } = socket;
    if (this.#closing !== undefined || remoteAddress === undefined || remotePort === undefined) {
      socket.destroy();
      return;
    }
    const options = this.#options;
    options.counters.tcpConnectionsAccepted++;
    if (this.#pending.size >= options.maxPendingConnections) {
      const [oldest] = this.#pending.keys();
      if (oldest !== undefined) {
        options.counters.tcpPendingEvicted++;
        oldest.close('too many pending connections');
      }
    }
    this.#sockets.add(socket);
    const mediaWriteLimitBytes = options.mediaWriteLimitBytes ?? MEDIA_WRITE_LIMIT_BYTES;
    const connection = new IceTcpConnection(socket, remoteAddress, remotePort, {
      counters: options.counters, log: options.log, onStun: options.onStun,
      mediaWriteLimitBytes, controlWriteLimitBytes: CONTROL_WRITE_FACTOR * mediaWriteLimitBytes,
      onClosed: (c) => {
        this.#sockets.delete(socket);
        this.#pending.get(c)?.();
        this.#pending.delete(c);
        const owner = c.owner;
        if (owner === undefined) return;
        const owned = this.#byOwner.get(owner);
        owned?.delete(c);
        if (owned?.size === 0) this.#byOwner.delete(owner);
      },
    });
    this.#pending.set(connection, options.clock.setTimeout(() => {
      if (connection.owner !== undefined || !connection.isOpen) return;
      options.counters.tcpAuthTimeouts++;
      connection.close('no valid check in time');
    }, options.authTimeoutMs));
  }
}
