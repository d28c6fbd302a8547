// One accepted ICE-TCP connection (RFC 6544, the bridge's passive side): it reads frames, demuxes
// them like UDP datagrams (RFC 7983) and writes framed datagrams back. STUN always goes to the ICE
// responder; until a valid connectivity check authenticates the connection for an endpoint nothing
// else is accepted (the first non-STUN frame closes it). Once the endpoint selects this connection
// as its path, DTLS, SRTP and SRTCP go to it; on an authenticated but unselected connection they
// are dropped, as datagrams from an unselected UDP address are.
import type { Socket } from 'node:net';
import type { Logger } from '@plenum/kit';
import { IceTcpFrameReader, MAX_FRAMED_DATAGRAM_BYTES, frameDatagram } from './ice-tcp-framing.ts';
import { PacketClass, classifyDatagram } from './packet-class.ts';
import type { TransportCounters } from './transport-counters.ts';

/** What a selected connection delivers to (the endpoint's transport). */
export interface FrameTarget {
  handleDtls(datagram: Buffer): void;
  handleRtp(datagram: Buffer): void;
  handleRtcp(datagram: Buffer): void;
  /** The selected connection closed: the path is gone (consent runs out unless another path checks in). */
  tcpPathClosed(connection: IceTcpConnection): void;
}

/** What the connection needs from its listener. */
export type IceTcpConnectionHooks = {
  readonly counters: TransportCounters;
  readonly log: Logger;
  /** Write-buffer bound over which media is dropped (and counted) instead of queued. */
  readonly mediaWriteLimitBytes: number;
  /** Write-buffer bound over which anything is dropped: a peer that stopped reading. */
  readonly controlWriteLimitBytes: number;
  /** Every STUN frame: routed by USERNAME like a UDP datagram. */
  onStun(frame: Buffer, connection: IceTcpConnection): void;
  /** After the socket is gone, whatever the reason. */
  onClosed(connection: IceTcpConnection): void;
};

/** A throwing handler is a bug: log the first and then every this many (per connection). */
const BUG_LOG_EVERY = 1000;

/** One ICE-TCP connection. */
export class IceTcpConnection {
  /** The peer's address and port: what XOR-MAPPED-ADDRESS reports (never logged). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #socket: Socket;
  readonly #hooks: IceTcpConnectionHooks;
  readonly #reader = new IceTcpFrameReader();
  #owner: object | undefined;
  #target: FrameTarget | undefined;
  #closed = false;
  #bugs = 0;

  constructor(socket: Socket, remoteAddress: string, remotePort: number, hooks: IceTcpConnectionHooks) {
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.#hooks = hooks;
    socket.on('data', this.#onData);
    // Errors (ECONNRESET, EPIPE…) end the connection; 'close' follows and does the bookkeeping.
    socket.on('error', (error: NodeJS.ErrnoException) => hooks.log.debug('ice-tcp socket error', { code: error.code }));
    socket.on('close', () => this.#closedNow());
  }

  /** The endpoint transport a valid check authenticated this connection for (undefined while pending). */
  get owner(): object | undefined {
    return this.#owner;
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** True while an endpoint uses this connection as its path. */
  get isSelected(): boolean {
    return this.#target !== undefined;
  }

  /** Bytes queued in user space for writing (the kernel's buffer is full when this grows). */
  get queuedBytes(): number {
    return this.#socket.writableLength;
  }

  /** A valid connectivity check for `owner` arrived (called by the listener, once). */
  authenticate(owner: object): void {
    this.#owner ??= owner;
  }

  /** The endpoint selected this connection as its path: its non-STUN frames go to `target`. */
  select(target: FrameTarget): void {
    this.#target = target;
  }

  /** The endpoint moved to another path (or closed). */
  deselect(target: FrameTarget): void {
    if (this.#target === target) this.#target = undefined;
  }

  /**
   * Writes one datagram, framed. Media (`droppable`) is dropped and counted when the write buffer
   * is over its bound, so a slow peer costs bounded memory and gets fresh media rather than late
   * media; control (STUN, DTLS) has a higher bound. False when not written.
   */
  send(datagram: Buffer, droppable: boolean): boolean {
    if (this.#closed || !this.#socket.writable) return false;
    if (datagram.length === 0 || datagram.length > MAX_FRAMED_DATAGRAM_BYTES) {
      this.#hooks.counters.dropped['send-invalid']++;
      return false;
    }
    const queued = this.#socket.writableLength;
    if (queued > (droppable ? this.#hooks.mediaWriteLimitBytes : this.#hooks.controlWriteLimitBytes)) {
      this.#hooks.counters.dropped['send-tcp-backpressure']++;
      return false;
    }
    this.#hooks.counters.bytesSent += datagram.length;
    this.#socket.write(frameDatagram(datagram));
    return true;
  }

  /** Closes a connection that never authenticated, counting it as refused (no-op once authenticated). */
  refuse(reason: string): void {
    if (this.#owner !== undefined || this.#closed) return;
    this.#hooks.counters.tcpConnectionsRefused++;
    this.close(reason);
  }

  /** Closes the connection (idempotent); the selected endpoint hears tcpPathClosed. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#hooks.log.debug('ice-tcp connection closed', { reason, authenticated: this.#owner !== undefined });
    this.#socket.destroy();
    this.#closedNow();
  }

  #closedNow(): void {
    if (this.#closed) return;
    this.#closed = true;
    const target = this.#target;
    this.#target = undefined;
    this.#hooks.counters.tcpConnectionsClosed++;
    this.#hooks.onClosed(this);
    target?.tcpPathClosed(this);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closed) return;
    try {
      const error = this.#reader.push(chunk, this.#onFrame);
      if (error !== undefined) {
        this.#hooks.counters.dropped['tcp-frame-invalid']++;
        if (this.#owner === undefined) this.refuse(error);
        else this.close(error);
      }
    } catch (error) {
      if (this.#bugs++ % BUG_LOG_EVERY === 0) this.#hooks.log.error('ice-tcp frame handler threw', { err: error, occurrences: this.#bugs });
    }
  };

  readonly #onFrame = (frame: Buffer): boolean => {
    const counters = this.#hooks.counters;
    counters.bytesReceived += frame.length;
    const kind = classifyDatagram(frame);
    if (kind === PacketClass.Stun) {
      this.#hooks.onStun(frame, this);
      return !this.#closed;
    }
    if (this.#owner === undefined) {
      // RFC 6544: the active side's first frame is a connectivity check; anything else is not ICE.
      counters.dropped['tcp-before-check']++;
      this.refuse('data before a valid check');
      return false;
    }
    if (kind === PacketClass.Other) {
      counters.dropped.unclassified++;
      return true;
    }
    const target = this.#target;
    if (target === undefined) {
      counters.dropped[kind === PacketClass.Dtls ? 'dtls-unknown-address' : 'media-unknown-address']++;
      return true;
    }
    if (kind === PacketClass.Dtls) target.handleDtls(frame);
    else if (kind === PacketClass.Rtp) target.handleRtp(frame);
    else target.handleRtcp(frame);
    return !this.#closed;
  };
}
