// Puts node:crypto SRTP (RtpSrtpSession) under a werift RTCDtlsTransport's RTP. werift keeps its
// DTLS, key derivation and SRTCP; once DTLS is up it calls `srtp.decrypt(buf)` for every inbound RTP
// packet and `srtp.encrypt(payload, header)` for every outbound one. This swaps that object for one
// with the same keys and profile whose per-packet work is node:crypto directly (no IV / counter
// buffers, no key import, no BigInt per packet), with the RFC 3711 replay window werift lacks.
// Refused inbound packets throw werift's SrtpAuthenticationError: the only error its receive loop
// treats as "drop this packet". A caller that reads RTP itself can take every authenticated packet
// before werift parses it into objects (`takeRtp`): werift is then told to drop it the same way,
// with one error made up front (no stack captured per packet).
import type { RTCDtlsTransport, RtpHeader } from 'werift';
import { SrtpAuthenticationError } from 'werift';
import { RtpSrtpSession } from './rtp-srtp-session.ts';
import type { RtpSrtpLimits, SrtpSessionKeys } from './rtp-srtp-session.ts';

/** What werift's SrtpSession holds that we read: its profile and each direction's session keys. */
type WeriftSrtpContext = { readonly srtpSessionKey: Buffer; readonly srtpSessionSalt: Buffer; readonly srtpSessionAuthTag: Buffer };
type WeriftSrtpSession = { readonly config: { readonly profile: number }; readonly localContext: WeriftSrtpContext; readonly remoteContext: WeriftSrtpContext };

/** Receives one authenticated plain RTP packet (a fresh buffer the handler may keep). */
export type PlainRtpHandler = (plain: Buffer) => void;

/** Thrown to werift for packets a `takeRtp` handler took: werift drops them without parsing. */
const TAKEN = new SrtpAuthenticationError('RTP packet taken by the node:crypto SRTP adapter');

/** The object werift's transport calls, backed by node:crypto. */
export class WeriftSrtpAdapter {
  /** Plain packets are assembled here before encryption (header and payload of one RTP packet). */
  readonly #scratch = Buffer.alloc(1500);
  #taker: PlainRtpHandler | undefined;

  constructor(readonly session: RtpSrtpSession) {}

  /** From now on every authenticated RTP packet goes to `handler` instead of werift's onRtp. */
  takeRtp(handler: PlainRtpHandler): void {
    this.#taker = handler;
  }

  /** werift's inbound call: the plain packet, or a thrown SrtpAuthenticationError (werift drops the packet). */
  decrypt(packet: Buffer): Buffer {
    const plain = this.session.unprotect(packet);
    if (plain === undefined) throw new SrtpAuthenticationError(`SRTP packet refused: ${this.session.lastRefusal}`);
    const taker = this.#taker;
    if (taker === undefined) return plain;
    try {
      taker(plain);
    } catch {
      // As werift does for its onRtp subscribers: a failing handler loses this packet, not the transport.
    }
    throw TAKEN;
  }

  /** werift's outbound call: header serialized by werift (byte-exact with its own path), then encrypted. */
  encrypt(payload: Buffer, header: RtpHeader): Buffer {
    const size = header.serializeSize;
    const length = size + payload.length;
    const scratch = length <= this.#scratch.length ? this.#scratch : Buffer.allocUnsafe(length);
    header.serialize(size).copy(scratch, 0);
    payload.copy(scratch, size);
    const packet = this.session.protect(scratch, length);
    // werift's sendRtp catches and logs what encrypt throws; the packet is not sent.
    if (packet === undefined) throw new RangeError(`RTP packet not sent: ${this.session.lastRefusal}`);
    return packet;
  }
}

const keysOf = (c: WeriftSrtpContext): SrtpSessionKeys => ({ key: c.srtpSessionKey, salt: c.srtpSessionSalt, authKey: c.srtpSessionAuthTag });

/** The adapter for werift's current SRTP session (same profile and session keys). */
export function adapterFor(weriftSession: WeriftSrtpSession, limits?: RtpSrtpLimits): WeriftSrtpAdapter {
  const { profile } = weriftSession.config;
  return new WeriftSrtpAdapter(new RtpSrtpSession(profile, keysOf(weriftSession.localContext), keysOf(weriftSession.remoteContext), limits));
}

/**
 * Makes `dtls` use node:crypto for RTP from the moment SRTP starts (werift makes its session just
 * before it reports 'connected', and never again); resolves with the adapter then. Call before
 * the transport connects, or after: an already started transport is switched at once.
 */
export function useNodeCryptoSrtp(dtls: RTCDtlsTransport, limits?: RtpSrtpLimits): Promise<WeriftSrtpAdapter> {
  const swap = (): WeriftSrtpAdapter => {
    const adapter = adapterFor(dtls.srtp as unknown as WeriftSrtpSession, limits);
    (dtls as unknown as { srtp: WeriftSrtpAdapter }).srtp = adapter;
    return adapter;
  };
  if (dtls.srtpStarted) return Promise.resolve(swap());
  return new Promise((resolve, reject) => {
    const { unSubscribe } = dtls.onStateChange.subscribe((state) => {
      if (state === 'connected' && dtls.srtpStarted) {
        unSubscribe();
        try {
          resolve(swap());
        } catch (error) {
          reject(error);
        }
      } else if (state === 'failed' || state === 'closed') {
        unSubscribe();
        reject(new Error(`DTLS ${state} before SRTP started`));
      }
    });
  });
}
