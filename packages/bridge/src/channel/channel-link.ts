// What the bridge channel runs over: a WebSocket (`/colibri-ws/…`) or an SCTP data channel inside
// the endpoint's media connection (protocols.md §5). The channel server handles the messages the
// same way for both; a link only moves text and closes.
import type { WebSocket } from 'ws';
import type { DataChannel } from '../transport/sctp-data-channels.ts';

/** One endpoint's bridge-channel connection, whatever carries it. */
export interface ChannelLink {
  readonly kind: 'websocket' | 'sctp';
  /** Sending is possible (open, not closing). */
  readonly isOpen: boolean;
  /** Bytes accepted and not yet sent (for backpressure). */
  readonly queuedBytes: number;
  sendText(text: string): void;
  /** Starts closing; the link reports the close when it is done (at once for SCTP). */
  close(code: number, reason: string): void;
  /** Cuts the link without a handshake. */
  terminate(): void;
}

/** A WebSocket as a link. */
export function webSocketLink(ws: WebSocket): ChannelLink {
  return {
    kind: 'websocket',
    get isOpen() { return ws.readyState === ws.OPEN; },
    get queuedBytes() { return ws.bufferedAmount; },
    sendText: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}

/** An SCTP data channel as a link: closing resets its stream (there are no close codes on the wire). */
export function dataChannelLink(channel: DataChannel): ChannelLink {
  return {
    kind: 'sctp',
    get isOpen() { return channel.isOpen; },
    get queuedBytes() { return channel.queuedBytes; },
    sendText: (text) => {
      channel.sendText(text);
    },
    close: () => channel.close(),
    terminate: () => channel.close(),
  };
}

/** The protocol lib-jitsi-meet names its bridge data channel with (protocols.md §5). */
export const COLIBRI_DATA_CHANNEL_PROTOCOL = 'http://jitsi.org/protocols/colibri';
