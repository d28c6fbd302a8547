// The recorder's side of the bridge channel (protocols.md §5), over the WebSocket URL of the focus's
// offer (the recorder offers no SCTP, so there is no data channel). Its one job: tell the bridge what
// picture the recording needs. A receiver that never sends ReceiverVideoConstraints gets the bridge's
// defaults, maxHeight 180, and since senders switch off the simulcast layers nobody asks for, what
// the recorder asks for is exactly what it gets. The constraints go out on every (re)open; the
// socket reconnects with backoff (1 s doubling to 60 s, as lib-jitsi-meet) until close(). What the
// bridge sends is decoded (for validity) and counted, nothing more. The URL carries the endpoint's
// ICE password (`?pwd=`): it is never logged.
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import type { Logger } from '@plenum/kit';
import type { ReceiverVideoConstraints } from '@plenum/xmpp/codec';
import { BRIDGE_CHANNEL_LIMITS, decodeBridgeMessage, encodeBridgeMessage } from '@plenum/xmpp/codec';

export type BridgeChannelOptions = {
  /** The offer's `<web-socket url>` (with its `pwd`). */
  readonly url: string;
  /** Sent on every open: the bridge forgets nothing across a reconnect, but a new bridge knows nothing. */
  readonly constraints: ReceiverVideoConstraints;
  readonly log: Logger;
  /** First wait before reconnecting; doubles per failed attempt. Default 1 s. */
  readonly retryMinMs?: number;
  /** Longest wait between attempts. Default 60 s. */
  readonly retryMaxMs?: number;
};

/** A bridge that does not answer the upgrade within this is tried again later. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** The decoder refuses longer messages anyway; ws need not buffer more (3 UTF-8 bytes per UTF-16 unit at most). */
const MAX_PAYLOAD_BYTES = BRIDGE_CHANNEL_LIMITS.maxChars * 3;

/** What the recorder asks for: every source (lastN −1) up to `maxHeight`, any frame rate. */
export function recorderVideoConstraints(maxHeight: number): ReceiverVideoConstraints {
  return { colibriClass: 'ReceiverVideoConstraints', lastN: -1, defaultConstraints: { maxHeight } };
}

/** The URL as it may be logged: without its query (the ICE password). */
export function redactedChannelUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export class BridgeChannelClient {
  readonly #opts: BridgeChannelOptions;
  readonly #log: Logger;
  #socket: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #isClosed = false;
  #opens = 0;
  #received = 0;
  #ignored = 0;

  private constructor(opts: BridgeChannelOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ channel: redactedChannelUrl(opts.url) });
    this.#retryMs = opts.retryMinMs ?? 1_000;
  }

  /** Starts connecting at once; the constraints go out as soon as the socket is open. */
  static open(opts: BridgeChannelOptions): BridgeChannelClient {
    const channel = new BridgeChannelClient(opts);
    channel.#connect();
    return channel;
  }

  /** Times the socket opened (the first open and every reconnect). */
  get opens(): number {
    return this.#opens;
  }

  /** Messages from the bridge that decoded. */
  get received(): number {
    return this.#received;
  }

  /** Messages from the bridge that did not (binary, not JSON, unknown class…): ignored. */
  get ignored(): number {
    return this.#ignored;
  }

  get isOpen(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Stops for good: no more reconnects. Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearTimeout(this.#timer);
    // A socket still connecting is aborted (ws then emits error and close, both handled).
    this.#socket?.close(1000, 'recording ended');
  }

  #connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#opts.url, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS, maxPayload: MAX_PAYLOAD_BYTES });
    } catch {
      // A malformed URL does not get better by retrying. (ws's message would quote the URL, password and all.)
      this.#log.warn('bridge channel URL unusable: the bridge keeps its default 180p');
      return;
    }
    this.#socket = socket;
    socket.on('open', () => {
      this.#opens++;
      this.#retryMs = this.#opts.retryMinMs ?? 1_000;
      socket.send(encodeBridgeMessage(this.#opts.constraints));
      const level = this.#opens === 1 ? 'info' : 'debug';
      this.#log[level]('bridge channel open', { opens: this.#opens, lastN: this.#opts.constraints.lastN, maxHeight: this.#opts.constraints.defaultConstraints?.maxHeight });
    });
    socket.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    // Always followed by close, which reconnects; the message names no password (ws reports codes and addresses).
    socket.on('error', (error) => this.#log.debug('bridge channel error', { err: error.message }));
    socket.on('close', (code) => {
      if (this.#isClosed || socket !== this.#socket) return;
      this.#log.info('bridge channel closed: reconnecting', { code, inMs: this.#retryMs });
      // Unref'd: the channel never keeps the process alive on its own (the session's XMPP connection does).
      this.#timer = setTimeout(() => this.#connect(), this.#retryMs).unref();
      this.#retryMs = Math.min(this.#retryMs * 2, this.#opts.retryMaxMs ?? 60_000);
    });
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const decoded = isBinary ? undefined : decodeBridgeMessage(rawText(data));
    if (decoded?.ok === true) {
      this.#received++;
      return;
    }
    this.#ignored++;
    this.#log.debug('bridge channel message ignored', { code: decoded?.error.code ?? 'binary' });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}
