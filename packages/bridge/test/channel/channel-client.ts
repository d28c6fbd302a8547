// A scripted bridge-channel client for the L2 tests: what lib-jitsi-meet's BridgeChannel does over
// WebSocket (JSON text frames), with an inbox and waits that have deadlines.
import { WebSocket } from 'ws';

/** A received message: the parsed JSON object. */
export type Received = { readonly colibriClass?: string; readonly [key: string]: unknown };

type Waiter = { match: (m: Received) => boolean; resolve: (m: Received) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** One endpoint's bridge channel. */
export class ChannelClient {
  readonly inbox: Received[] = [];
  readonly #ws: WebSocket;
  readonly #waiters: Waiter[] = [];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => this.#onMessage(JSON.parse(data.toString('utf8')) as Received));
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  }

  /** Opens the channel; rejects with the HTTP status and body if the bridge refuses the upgrade. */
  static open(url: string): Promise<ChannelClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new ChannelClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => reject(new RefusedUpgrade(res.statusCode ?? 0, body)));
      });
      ws.once('error', reject);
    });
  }

  /** Sends an object as one JSON text frame. */
  send(message: object): void {
    this.#ws.send(JSON.stringify(message));
  }

  /** Sends raw text as one frame. */
  sendText(text: string): void {
    this.#ws.send(text);
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** The first message (already received or coming) that matches, taken out of the inbox. */
  next(match: (m: Received) => boolean, timeoutMs = 3000, what = 'a message'): Promise<Received> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Received);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match, resolve, reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new Error(`timed out waiting for ${what}; inbox: ${JSON.stringify(this.inbox)}`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next message of one colibriClass. */
  nextOf(colibriClass: string, timeoutMs = 3000): Promise<Received> {
    return this.next((m) => m.colibriClass === colibriClass, timeoutMs, colibriClass);
  }

  /** Messages of a class received so far (left in the inbox). */
  received(colibriClass: string): Received[] {
    return this.inbox.filter((m) => m.colibriClass === colibriClass);
  }

  close(): void {
    this.#ws.close();
  }

  terminate(): void {
    this.#ws.terminate();
  }

  #onMessage(m: Received): void {
    const i = this.#waiters.findIndex((w) => w.match(m));
    const waiter = this.#waiters[i];
    if (waiter === undefined) {
      this.inbox.push(m);
      return;
    }
    this.#waiters.splice(i, 1);
    clearTimeout(waiter.timer);
    waiter.resolve(m);
  }
}

/** The bridge answered the upgrade with an HTTP error. */
export class RefusedUpgrade extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}: ${body.trim()}`);
  }
}
