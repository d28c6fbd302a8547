// UDP and TCP for the SIP user agent (RFC 3261 §18). Ours rather than the `sip` package's: those
// bind 0.0.0.0 unless told, cannot bind port 0, have no 'error' handlers on their sockets (one bad
// send or a busy port would take the process down) and parse without size limits. Every inbound
// message passes checkInbound first; only well-formed ones reach the dialog layer.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from '@plenum/kit';
import sip from 'sip';
import type { SipConnection, SipMessage } from 'sip';
import { checkInbound } from './message-check.ts';

export type SipProtocol = 'UDP' | 'TCP';

/** Where a message came from or goes to. */
export type SipRemote = { readonly protocol: SipProtocol; readonly address: string; readonly port: number };

export type SipTransportOptions = {
  readonly host: string;
  readonly port: number;
  readonly udp: boolean;
  readonly tcp: boolean;
  readonly maxMessageBytes: number;
  /** Bounds concurrent TCP connections (a few per call: phones, trunks, proxies). */
  readonly maxCalls: number;
};

/** An idle TCP connection that never carried a valid message is closed after this. */
const UNPROVEN_IDLE_MS = 30_000;
/** One that did may be a phone's only path for our BYE, hours later: keep it much longer. */
const PROVEN_IDLE_MS = 3_600_000;

type Inbound = (message: SipMessage, remote: SipRemote) => void;

const BIND_ATTEMPTS = 20;
const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export class SipTransport {
  readonly #udp: UdpSocket | undefined;
  readonly #tcp: Server | undefined;
  readonly #streams = new Map<string, Socket>();
  /** Who wants to hear that a TCP flow failed (client transactions waiting on it). */
  readonly #flowErrorListeners = new Map<string, Set<(error: Error) => void>>();
  readonly #opts: SipTransportOptions;
  readonly #log: Logger;
  readonly #onMessage: Inbound;
  #closed = false;
  /** The bound port (UDP and TCP share it). */
  readonly port: number;

  private constructor(opts: SipTransportOptions, log: Logger, onMessage: Inbound, udp: UdpSocket | undefined, tcp: Server | undefined, port: number) {
    this.#opts = opts;
    this.#log = log;
    this.#onMessage = onMessage;
    this.#udp = udp;
    this.#tcp = tcp;
    this.port = port;
    udp?.on('message', (data, rinfo) => this.#receive(data.toString('latin1'), { protocol: 'UDP', address: rinfo.address, port: rinfo.port }, undefined));
    if (tcp !== undefined) tcp.maxConnections = Math.max(64, opts.maxCalls * 4);
    tcp?.on('connection', (socket) => this.#adopt(socket));
  }

  /** Binds UDP and TCP on the same port; port 0 picks one free for both. */
  static async start(opts: SipTransportOptions, log: Logger, onMessage: Inbound): Promise<SipTransport> {
    for (let attempt = 0; ; attempt++) {
      let udp: UdpSocket | undefined;
      let tcp: Server | undefined;
      try {
        let port = opts.port;
        if (opts.udp) {
          udp = await bindUdp(opts.host, port);
          port = udp.address().port;
        }
        if (opts.tcp) {
          tcp = await listenTcp(opts.host, port);
          const address = tcp.address();
          if (address !== null && typeof address === 'object') port = address.port;
        }
        return new SipTransport(opts, log, onMessage, udp, tcp, port);
      } catch (error) {
        // Release what was bound before retrying or giving up.
        udp?.close();
        tcp?.close();
        // Port 0: UDP got a port whose TCP twin is taken; try another.
        if (opts.port !== 0 || attempt >= BIND_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * A connection for the `sip` transaction layer: UDP to the address, or the TCP flow to it (opened
   * if needed). `onError` hears a TCP flow fail until the connection is released.
   */
  connection(remote: SipRemote, onError?: (error: Error) => void): SipConnection {
    const key = flowKey(remote);
    if (onError !== undefined && remote.protocol === 'TCP') {
      let listeners = this.#flowErrorListeners.get(key);
      if (listeners === undefined) {
        listeners = new Set();
        this.#flowErrorListeners.set(key, listeners);
      }
      listeners.add(onError);
    }
    return {
      protocol: remote.protocol,
      send: (message: SipMessage) => {
        let text: string;
        try {
          text = sip.stringify(message);
        } catch (error) {
          // Runs inside the `sip` package's timers, where a throw would end the process.
          this.#log.error('sip message not serializable', { err: error });
          return;
        }
        this.sendRaw(remote, text);
      },
      release: () => {
        if (onError === undefined) return;
        const listeners = this.#flowErrorListeners.get(key);
        listeners?.delete(onError);
        if (listeners?.size === 0) this.#flowErrorListeners.delete(key);
      },
    };
  }

  /** Sends raw text; failures are logged (and reported to the flow's listeners), never thrown. */
  sendRaw(remote: SipRemote, text: string): void {
    if (this.#closed) return;
    const bytes = Buffer.from(text, 'latin1');
    try {
      if (remote.protocol === 'UDP') {
        this.#udp?.send(bytes, remote.port, remote.address, (error) => {
          if (error) this.#log.debug('sip udp send failed', { err: errorCode(error) });
        });
        return;
      }
      let stream = this.#streams.get(flowKey(remote));
      if (stream === undefined || stream.destroyed) {
        stream = connect(remote.port, remote.address);
        this.#adopt(stream, remote);
      }
      stream.write(bytes);
    } catch (error) {
      // Bad ports and addresses throw synchronously; the transaction times out or hears 503 instead.
      this.#log.debug('sip send failed', { err: errorCode(error), transport: remote.protocol });
      for (const listener of [...(this.#flowErrorListeners.get(flowKey(remote)) ?? [])]) listener(error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.destroy();
    this.#streams.clear();
    await Promise.all([
      this.#udp && new Promise<void>((resolve) => this.#udp?.close(() => resolve())),
      this.#tcp && new Promise<void>((resolve) => this.#tcp?.close(() => resolve())),
    ]);
  }

  #adopt(socket: Socket, known?: SipRemote): void {
    const remote: SipRemote = known ?? { protocol: 'TCP', address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const key = flowKey(remote);
    this.#streams.set(key, socket);
    socket.setEncoding('latin1');
    socket.setTimeout(UNPROVEN_IDLE_MS, () => socket.destroy());
    socket.on('error', (error) => {
      this.#log.debug('sip tcp flow error', { err: errorCode(error) });
      for (const listener of [...(this.#flowErrorListeners.get(key) ?? [])]) listener(error);
    });
    socket.on('close', () => {
      if (this.#streams.get(key) === socket) this.#streams.delete(key);
    });
    let buffer = '';
    let isBroken = false;
    socket.on('data', (chunk: string) => {
      if (isBroken) return;
      buffer += chunk;
      for (;;) {
        // RFC 5626 §4.4.1: a CRLFCRLF ping between messages gets a CRLF pong.
        while (buffer.startsWith('\r\n\r\n')) {
          buffer = buffer.slice(4);
          socket.write('\r\n');
        }
        if (buffer === '\r\n') return;
        buffer = buffer.replace(/^(?:\r\n)+/, '');
        const framed = frameStream(buffer, this.#opts.maxMessageBytes);
        if (framed.kind === 'wait') return;
        if (framed.kind === 'broken') {
          // Framing is lost: answer what we can, then drop the connection.
          if (framed.message !== undefined) this.#receive(framed.message, remote, socket, framed.isTooLarge);
          isBroken = true;
          socket.end();
          buffer = '';
          return;
        }
        buffer = framed.rest;
        if (this.#receive(framed.message, remote, socket)) socket.setTimeout(PROVEN_IDLE_MS);
      }
    });
  }

  /** Handles one framed message; true if it was a well-formed SIP message. */
  #receive(raw: string, remote: SipRemote, stream: Socket | undefined, isTooLarge = false): boolean {
    if (this.#closed) return false;
    if (/^(?:\r\n)*$/.test(raw)) return false; // RFC 5626 keep-alive
    const checked = checkInbound(raw, { datagram: remote.protocol === 'UDP', maxMessageBytes: this.#opts.maxMessageBytes, isTooLarge });
    switch (checked.kind) {
      case 'drop':
        this.#log.debug('sip message dropped', { why: checked.why, transport: remote.protocol });
        return false;
      case 'reject':
        this.#log.debug('sip request rejected', { status: checked.status, transport: remote.protocol });
        if (stream !== undefined) stream.write(Buffer.from(checked.response, 'latin1'));
        else this.sendRaw(remote, checked.response);
        return false;
      case 'message': {
        const { message } = checked;
        const via = message.headers.via?.[0];
        // §18.2.1 and RFC 3581: remember where the request really came from.
        if (message.method !== undefined && via !== undefined) {
          via.params.received = remote.address;
          if ('rport' in via.params) via.params.rport = String(remote.port);
        }
        try {
          this.#onMessage(message, remote);
        } catch (error) {
          // A bug in the dialog layer must not kill the listener for every other call.
          this.#log.error('sip message handler threw', { err: error });
        }
        return true;
      }
    }
  }
}

type Framed =
  | { readonly kind: 'wait' }
  | { readonly kind: 'message'; readonly message: string; readonly rest: string }
  /** Framing is lost; `message` (headers only) is answered 513 or 400 before the flow closes. */
  | { readonly kind: 'broken'; readonly message: string | undefined; readonly isTooLarge: boolean };

/** RFC 3261 §18.3: on a stream, Content-Length delimits the message. */
export function frameStream(buffer: string, maxMessageBytes: number): Framed {
  const text = buffer.replace(/^(?:\r\n)+/, '');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    if (text.length <= maxMessageBytes) return { kind: 'wait' };
    const lastLine = text.lastIndexOf('\r\n');
    return { kind: 'broken', message: lastLine > 0 ? `${text.slice(0, lastLine)}\r\n\r\n` : undefined, isTooLarge: true };
  }
  const head = text.slice(0, end + 4);
  const lengthLine = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(`\r\n${head}`);
  const lengthText = lengthLine?.[1]?.trim() ?? '0';
  if (!/^\d{1,9}$/.test(lengthText)) return { kind: 'broken', message: head, isTooLarge: false };
  const length = Number(lengthText);
  if (head.length + length > maxMessageBytes) return { kind: 'broken', message: head, isTooLarge: true };
  if (text.length < head.length + length) return { kind: 'wait' };
  return { kind: 'message', message: text.slice(0, head.length + length), rest: text.slice(head.length + length) };
}

/** An error without its message: Node's messages name addresses, which we do not log. */
function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? (error as Error | undefined)?.name ?? 'unknown';
}

function flowKey(remote: SipRemote): string {
  return `${remote.address}|${remote.port}`;
}

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      // Room for bursts (INVITE floods, PBX re-registrations); the kernel caps it at rmem_max.
      try {
        socket.setRecvBufferSize(UDP_RECEIVE_BUFFER_BYTES);
      } catch {
        // Not allowed here: keep the system default.
      }
      socket.on('error', () => undefined); // send errors arrive in send callbacks
      resolve(socket);
    });
  });
}

function listenTcp(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}
