// The bridge channel over WebSocket (protocols.md §5): JSON messages to and from our endpoint on
// the bridge. Reconnects with backoff (1 s doubling to 60 s, as lib-jitsi-meet) while the session
// lives; the last ReceiverVideoConstraints is re-sent on every (re)open since the bridge forgets it.
import type { Logger } from '@plenum/kit';
import type { BridgeMessage, ReceiverVideoConstraints } from '@plenum/xmpp/codec';
import { decodeBridgeMessage, encodeBridgeMessage } from '@plenum/xmpp/codec';

export class BridgeChannel {
  readonly #url: string;
  readonly #onMessage: (m: BridgeMessage) => void;
  readonly #log: Logger;
  #ws: WebSocket | undefined;
  #closed = false;
  #retryMs = 1000;
  #constraints: ReceiverVideoConstraints | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, onMessage: (m: BridgeMessage) => void, log: Logger) {
    this.#url = url;
    this.#onMessage = onMessage;
    this.#log = log;
    this.#open();
  }

  get isOpen(): boolean {
    return this.#ws?.readyState === 1;
  }

  send(m: BridgeMessage): void {
    if (m.colibriClass === 'ReceiverVideoConstraints') this.#constraints = m;
    if (this.#ws?.readyState === 1) this.#ws.send(encodeBridgeMessage(m));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#ws?.close();
  }

  #open(): void {
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    ws.addEventListener('open', () => {
      this.#retryMs = 1000;
      if (this.#constraints) ws.send(encodeBridgeMessage(this.#constraints));
    });
    ws.addEventListener('message', (ev) => {
      const decoded = decodeBridgeMessage(typeof ev.data === 'string' ? ev.data : '');
      if (!decoded.ok) {
        this.#log.debug('bridge channel message ignored', { code: decoded.error.code });
        return;
      }
      this.#onMessage(decoded.value);
    });
    ws.addEventListener('close', () => {
      if (this.#closed || ws !== this.#ws) return;
      this.#timer = setTimeout(() => this.#open(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 60_000);
    });
  }
}
