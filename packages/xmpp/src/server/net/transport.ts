import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';

/** What a stream needs from the bytes below it; TCP and WebSocket differ only in here and in framing. */
export interface Transport {
  readonly kind: 'tcp' | 'websocket';
  /** The peer's address, used for per-IP limits; logged only when the operator enables it. */
  readonly remoteAddress: string;
  /** TLS on TCP, or a WebSocket (loopback or behind a TLS-terminating proxy counts as secure, as browsers require). */
  readonly isSecure: boolean;
  send(data: string): void;
  /** Stops reading (rate limiting); `resume()` starts again. */
  pause(): void;
  resume(): void;
  close(): void;
  onData(handler: (chunk: string) => void): void;
  onClose(handler: () => void): void;
  /** TCP only: RFC 6120 §5 STARTTLS; resolves once the TLS handshake is done. */
  startTls?(context: SecureContext): Promise<void>;
}

const isLoopback = (addr: string): boolean => addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';

/** A client or component TCP connection. Writes made in one tick leave in one segment (cork). */
export class TcpTransport implements Transport {
  readonly kind = 'tcp' as const;
  readonly remoteAddress: string;
  #socket: Socket;
  #secure = false;
  #corked = false;
  #closed = false;
  #onData: ((chunk: string) => void) | undefined;
  #onClose: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
    this.#wire(socket);
  }

  get isSecure(): boolean {
    return this.#secure;
  }

  #wire(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData?.(chunk));
    socket.on('error', () => {
      // The close event follows; a reset connection is not a server error.
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.#closed = true;
      this.#onClose?.();
    });
  }

  send(data: string): void {
    if (this.#closed) return;
    const socket = this.#socket;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      // Uncork the socket that was corked: STARTTLS may have swapped #socket in between.
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(data);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    if (this.#closed) return;
    this.#socket.end();
    // A peer that never reads must not keep the socket open forever.
    const t = setTimeout(() => this.#socket.destroy(), 2000);
    t.unref();
  }

  onData(handler: (chunk: string) => void): void {
    this.#onData = handler;
  }

  onClose(handler: () => void): void {
    this.#onClose = handler;
  }

  startTls(context: SecureContext): Promise<void> {
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.on('close', () => {
      this.#closed = true;
      this.#onClose?.();
    });
    const tls = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.#socket = tls;
    return new Promise((resolve, reject) => {
      tls.once('secure', () => {
        this.#secure = true;
        tls.setEncoding('utf8');
        tls.on('data', (chunk: string) => this.#onData?.(chunk));
        resolve();
      });
      tls.once('error', (error) => {
        plain.destroy();
        reject(error);
      });
      tls.on('error', () => undefined);
    });
  }
}

/** An RFC 7395 WebSocket connection: one XML element per text message. */
export class WsTransport implements Transport {
  readonly kind = 'websocket' as const;
  readonly remoteAddress: string;
  readonly isSecure: boolean;
  readonly #ws: WebSocket;
  #onData: ((chunk: string) => void) | undefined;
  #onClose: (() => void) | undefined;

  constructor(ws: WebSocket, remoteAddress: string, isTls: boolean) {
    this.#ws = ws;
    this.remoteAddress = remoteAddress;
    // Browsers treat loopback as a secure context; elsewhere a TLS proxy sets the scheme.
    this.isSecure = isTls || isLoopback(remoteAddress);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      this.#onData?.(data.toString('utf8'));
    });
    ws.on('error', () => undefined);
    ws.on('close', () => this.#onClose?.());
  }

  send(data: string): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(data);
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  close(): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) this.#ws.close(1000);
    const t = setTimeout(() => this.#ws.terminate(), 2000);
    t.unref();
  }

  onData(handler: (chunk: string) => void): void {
    this.#onData = handler;
  }

  onClose(handler: () => void): void {
    this.#onClose = handler;
  }
}
