// The bridge channel (protocols.md §5): JSON messages to and from our endpoint on the bridge, over
// the SCTP data channel of the media connection when the offer had a data content (what
// lib-jitsi-meet prefers: 'JVB data channel', protocol http://jitsi.org/protocols/colibri), else
// over a WebSocket to the offer's URL. The WebSocket reconnects with backoff (1 s doubling to 60 s,
// as lib-jitsi-meet) while the session lives; a data channel that closes while the session lives
// (the bridge refused or lost it), or is not open DATA_CHANNEL_OPEN_TIMEOUT_MS after the channel was
// made (a bridge that announced SCTP but does not serve it), falls back to the WebSocket. The last ReceiverVideoConstraints is
// re-sent on every (re)open since the bridge forgets it.
import type { Logger } from '@plenum/kit';
import type { BridgeMessage, ReceiverVideoConstraints } from '@plenum/xmpp/codec';
import { decodeBridgeMessage, encodeBridgeMessage } from '@plenum/xmpp/codec';

/** The label and protocol lib-jitsi-meet opens its bridge data channel with. */
export const BRIDGE_DATA_CHANNEL_LABEL = 'JVB data channel';
export const BRIDGE_DATA_CHANNEL_PROTOCOL = 'http://jitsi.org/protocols/colibri';
/** ICE, DTLS and SCTP take a few seconds at most; a data channel still closed by then is not coming. */
export const DATA_CHANNEL_OPEN_TIMEOUT_MS = 15_000;

/** What carries the channel: the media connection's data channel (with the WebSocket URL as fallback), or a WebSocket. */
export type BridgeChannelTransport =
  | { readonly dataChannel: RTCDataChannel; readonly fallbackUrl: string | undefined }
  | { readonly url: string };

/** The part of RTCDataChannel and WebSocket the channel uses. */
type Link = {
  readyState: number | RTCDataChannelState;
  send(text: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close', f: () => void): void;
  addEventListener(type: 'message', f: (ev: MessageEvent) => void): void;
};

export class BridgeChannel {
  readonly #onMessage: (m: BridgeMessage) => void;
  readonly #log: Logger;
  readonly #url: string | undefined;
  #link: Link | undefined;
  #closed = false;
  #retryMs = 1000;
  #constraints: ReceiverVideoConstraints | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: BridgeChannelTransport, onMessage: (m: BridgeMessage) => void, log: Logger) {
    this.#onMessage = onMessage;
    this.#log = log;
    if ('dataChannel' in transport) {
      this.#url = transport.fallbackUrl;
      this.#useDataChannel(transport.dataChannel);
    } else {
      this.#url = transport.url;
      this.#openWebSocket();
    }
  }

  get isOpen(): boolean {
    const state = this.#link?.readyState;
    return state === 1 || state === 'open';
  }

  send(m: BridgeMessage): void {
    if (m.colibriClass === 'ReceiverVideoConstraints') this.#constraints = m;
    if (this.isOpen) this.#link?.send(encodeBridgeMessage(m));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#link?.close();
  }

  #useDataChannel(dc: RTCDataChannel): void {
    this.#listen(dc);
    const fallBack = (why: string): void => {
      if (this.#closed || dc !== this.#link) return;
      this.#log.info(why, { fallback: this.#url !== undefined });
      if (this.#url !== undefined) this.#openWebSocket();
    };
    dc.addEventListener('close', () => fallBack('bridge data channel closed'));
    if (dc.readyState === 'open') this.#opened();
    else {
      this.#timer = setTimeout(() => {
        if (dc.readyState === 'open') return;
        fallBack('bridge data channel did not open');
        dc.close();
      }, DATA_CHANNEL_OPEN_TIMEOUT_MS);
    }
  }

  #openWebSocket(): void {
    if (this.#url === undefined) return;
    const ws = new WebSocket(this.#url);
    this.#listen(ws);
    ws.addEventListener('close', () => {
      if (this.#closed || ws !== this.#link) return;
      this.#timer = setTimeout(() => this.#openWebSocket(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 60_000);
    });
  }

  #listen(link: Link): void {
    this.#link = link;
    link.addEventListener('open', () => {
      if (link === this.#link) this.#opened();
    });
    link.addEventListener('message', (ev) => {
      const decoded = decodeBridgeMessage(typeof ev.data === 'string' ? ev.data : '');
      if (!decoded.ok) {
        this.#log.debug('bridge channel message ignored', { code: decoded.error.code });
        return;
      }
      this.#onMessage(decoded.value);
    });
  }

  #opened(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#retryMs = 1000;
    if (this.#constraints) this.#link?.send(encodeBridgeMessage(this.#constraints));
  }
}
