// COMPAT(werift 0.25.2): werift's SCTP association (RFC 9260 with RFC 8260 stream reset, the part
// its RTCSctpTransport runs over DTLS) is not among the package's exports, which list only the
// RTCPeerConnection API; that transport needs werift's own DTLS transport, and the bridge has its
// own (dtls-endpoint.ts). The SCTP class takes any { send, onData } transport, so it is loaded by
// file path next to the package's resolved main. This file is the only place that does so.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The parts of werift's SCTP class the bridge uses (its own .d.ts is unreachable through the exports map). */
export interface WeriftSctp {
  readonly onReceive: { subscribe(f: (streamId: number, ppid: number, data: Buffer) => void): unknown };
  readonly onReconfigStreams: { subscribe(f: (streamIds: number[]) => void): unknown };
  readonly stateChanged: { readonly closed: { subscribe(f: () => void): unknown }; readonly connected: { subscribe(f: () => void): unknown } };
  state: 'new' | 'closed' | 'connected' | 'connecting';
  /** Bytes the peer may still send before our receive window is full; negative when it overran it. */
  advertisedRwnd: number;
  _inboundStreamsMax: number;
  _outboundStreamsCount: number;
  send(streamId: number, ppid: number, data: Buffer, opts?: { ordered?: boolean }): Promise<void>;
  sendReconfigParam?: unknown;
  start(remotePort?: number): Promise<void>;
  stop(): Promise<void>;
  /** Private in werift; called directly so that its rejections are caught (its own onData drops the promise). */
  handleData(packet: Buffer): Promise<void>;
}

/** What werift's SCTP transport interface asks of the layer below. */
export type WeriftSctpTransport = {
  onData?: (packet: Buffer) => void;
  send(packet: Buffer): Promise<void>;
  close(): void;
};

type SctpFactory = (transport: WeriftSctpTransport, port?: number, options?: { mtu?: number }) => WeriftSctp;
type SctpModule = { SCTP: { server: SctpFactory; client: SctpFactory } };

const require = createRequire(import.meta.url);
// werift's main is lib/webrtc/src/index.js; the SCTP sources are in lib/sctp/src.
const sctpModule = require(join(dirname(require.resolve('werift')), '../../sctp/src/index.js')) as SctpModule;

/** A new SCTP association in the server role (it waits for the peer's INIT) on `port`. */
export function newSctpServer(transport: WeriftSctpTransport, port: number): WeriftSctp {
  return sctpModule.SCTP.server(transport, port);
}

/** A new SCTP association in the client role (for test peers: the bridge is always the server). */
export function newSctpClient(transport: WeriftSctpTransport, port: number): WeriftSctp {
  return sctpModule.SCTP.client(transport, port);
}
