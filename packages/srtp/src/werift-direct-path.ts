// SRTP straight off werift's sockets. Once ICE has chosen its pair, werift hands every datagram
// through its ICE layer (each is tried as STUN), two event hops and DTLS's demux to the SRTP
// adapter, which tells it to drop a taken packet by throwing: on a leg that only relays RTP that is
// a large share of the work per packet (bench:sip, bench:recorder profiles). Here SRTP datagrams from
// the pair's remote address are taken before all that, with the same checks werift's path makes
// (the RFC 7983 first byte, the RFC 5761 RTP/RTCP split) plus the remote address (which werift does
// not check), and decrypted by the same SRTP session with its replay window. STUN, DTLS, SRTCP and
// anything from another address still go to werift. Sending goes to the pair's socket while
// werift's ICE consent (RFC 7675) allows it. This reads werift internals; where they do not look as
// expected nothing is changed and werift's own path carries everything.
import type { Socket } from 'node:dgram';
import type { RTCDtlsTransport } from 'werift';
import type { WeriftSrtpAdapter } from './werift-srtp.ts';

/** werift's ICE internals read here: the chosen pair, its socket wrapper and address, the consent check. */
type WeriftUdpTransport = { readonly type: string; readonly socket?: Socket; onData: (data: Buffer, addr: [string, number]) => void };
type WeriftIceProtocol = { readonly transport?: WeriftUdpTransport };
type WeriftIceConnection = {
  readonly nominated?: { readonly remoteAddr: readonly [string, number]; readonly protocol: WeriftIceProtocol };
  /** One per local address werift gathered on: the remote side may send to any of them. */
  readonly protocols?: readonly WeriftIceProtocol[];
  canSendApplicationData?(): boolean;
};

/**
 * An SRTP (not SRTCP) datagram by its first two bytes: RFC 7983 §7 puts RTP and RTCP at 128-191;
 * RFC 5761 §4 tells RTCP by its packet type 192-223 in the second byte (RTP payload types 64-95
 * are never used for that reason).
 */
export function isSrtpDatagram(data: Uint8Array): boolean {
  const b0 = data[0] ?? 0;
  const pt = (data[1] ?? 0) & 0x7f;
  return b0 >= 128 && b0 <= 191 && (pt < 64 || pt > 95) && data.length >= 12;
}

/** The taken path of one leg: what came in on it, and sending on the chosen pair. */
export class DirectSrtpPath {
  /** SRTP datagrams taken off the sockets before werift (refused ones included). */
  taken = 0;

  constructor(
    private readonly connection: WeriftIceConnection,
    private readonly pair: unknown,
    private readonly socket: Socket | undefined,
    private readonly host: string,
    private readonly port: number,
  ) {}

  /**
   * Sends one SRTP packet on the chosen pair, only while werift's ICE consent says the remote side
   * still wants our media; false when it cannot (the pair changed, or werift lacks what this needs):
   * send through werift then.
   */
  send(packet: Buffer): boolean {
    const connection = this.connection;
    if (this.socket === undefined || typeof connection.canSendApplicationData !== 'function' || connection.nominated !== this.pair) return false;
    if (connection.canSendApplicationData()) this.socket.send(packet, this.port, this.host);
    return true;
  }
}

/**
 * Takes the SRTP datagrams of `dtls`'s chosen ICE pair off every socket werift gathered on (the
 * remote side's packets may arrive on any of them); each authenticated one goes to `onPlain`.
 * undefined while ICE has not chosen a UDP pair (try again later, e.g. from the adapter's
 * `takeRtp` handler) or when werift looks different. Call once per leg.
 */
export function takeSrtpDatagrams(dtls: RTCDtlsTransport, srtp: WeriftSrtpAdapter, onPlain: (plain: Buffer) => void, isClosed: () => boolean): DirectSrtpPath | undefined {
  const connection = dtls.iceTransport.connection as unknown as WeriftIceConnection;
  const pair = connection.nominated;
  const transport = pair?.protocol.transport;
  if (pair === undefined || transport === undefined || transport.type !== 'udp' || typeof transport.onData !== 'function') return undefined;
  const [host, port] = pair.remoteAddr;
  const path = new DirectSrtpPath(connection, pair, transport.socket, host, port);
  const sockets = new Set([transport, ...(connection.protocols ?? []).map((p) => p.transport)]);
  for (const t of sockets) {
    if (t === undefined || t.type !== 'udp' || typeof t.onData !== 'function') continue;
    const toWerift = t.onData;
    t.onData = (data, addr) => {
      if (!isClosed() && addr[1] === port && addr[0] === host && isSrtpDatagram(data)) {
        path.taken++;
        const plain = srtp.session.unprotect(data);
        // Refused packets (forged, replayed) are counted by the session and dropped, as werift would.
        if (plain !== undefined) onPlain(plain);
        return;
      }
      toWerift(data, addr);
    };
  }
  return path;
}
