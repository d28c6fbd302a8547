// Shared setup of the transport's L2 tests: our XMPP server, a bridge with a free UDP port, and a
// fake focus that allocates endpoints and relays their answers over COLIBRI2 (as jicofo does),
// plus RawPeer: a WebRTC endpoint assembled from werift's parts on one UDP socket, so a test
// controls every datagram (checks, DTLS, SRTP) and can replay, forge or move.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { El, IceUdpTransport } from '@plenum/xmpp/codec';
import { child, decodeConferenceModified, serialize } from '@plenum/xmpp/codec';
import type { WireClient } from '@plenum/testkit';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import type { SrtpProfile } from 'werift-rtp';
import { RtpHeader, SrtcpSession, SrtpSession, keyLength, saltLength } from 'werift-rtp';
import type { RunningBridge } from '../../src/index.ts';
import { createDtlsCertificate } from '../../src/transport/dtls-certificate.ts';
import type { DtlsCertificate } from '../../src/transport/dtls-certificate.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from '../../src/transport/werift-dtls.ts';
import { FOCUS_DOMAIN, FOCUS_SECRET, componentClient, modify, startServer, startTestBridge, waitFor } from '../integration/harness.ts';

export { waitFor };
export const FOCUS = `${FOCUS_DOMAIN}/focus`;

/** Server, bridge and fake focus. */
export type MediaStack = { server: RunningXmppServer; bridge: RunningBridge; focus: WireClient };

/** Starts the stack; `values` override the bridge config. */
export async function startMediaStack(values: Record<string, unknown> = {}): Promise<MediaStack> {
  const server = await startServer();
  const bridge = await startTestBridge(server, values);
  await waitFor(bridge.events, 'xmppOnline');
  const focus = await componentClient(server, FOCUS_DOMAIN, FOCUS_SECRET);
  return { server, bridge, focus };
}

export async function stopMediaStack(s: MediaStack): Promise<void> {
  s.focus.close();
  await s.bridge.close();
  await s.server.close();
}

function modified(reply: El): ReturnType<typeof decodeConferenceModified> & { ok: true } {
  if (reply.attrs.type !== 'result') throw new Error(`colibri2 refused: ${serialize(reply)}`);
  const payload = child(reply, 'conference-modified', 'jitsi:colibri2');
  const m = payload === undefined ? undefined : decodeConferenceModified(payload);
  if (m?.ok !== true) throw new Error(`bad conference-modified: ${serialize(reply)}`);
  return m;
}

/** The focus allocates an endpoint (creating the conference if asked); resolves with the bridge's transport. */
export async function allocate(s: MediaStack, meetingId: string, endpointId: string, createConference: boolean, capabilities: readonly string[] = []): Promise<IceUdpTransport> {
  const reply = await modify(s.focus, FOCUS, s.bridge.domain, {
    meetingId, ...(createConference ? { create: true } : {}),
    endpoints: [{ id: endpointId, create: true, media: [], capabilities: ['source-names', ...capabilities], transport: { iceControlling: true } }],
  });
  const transport = modified(reply).value.endpoints[0]?.transport?.iceUdp;
  if (transport === undefined) throw new Error('no transport in the reply');
  return transport;
}

/** The focus relays the endpoint's answer: its ufrag, pwd and DTLS fingerprint. */
export async function relayRemoteTransport(s: MediaStack, meetingId: string, endpointId: string, remote: { ufrag: string; pwd: string; fingerprint: string }): Promise<El> {
  return modify(s.focus, FOCUS, s.bridge.domain, {
    meetingId,
    endpoints: [{
      id: endpointId, media: [], capabilities: [],
      transport: { iceUdp: { ufrag: remote.ufrag, pwd: remote.pwd, fingerprints: [{ hash: 'sha-256', setup: 'active', value: remote.fingerprint }], candidates: [], rtcpMux: true } },
    }],
  });
}

/** Resolves when the bridge expires this endpoint (other endpoints' expiries are ignored). */
export function endpointExpired(s: MediaStack, endpointId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${endpointId} did not expire`));
    }, timeoutMs);
    const off = s.bridge.events.on('endpointExpired', (_meetingId, id) => {
      if (id !== endpointId) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** A plain RTP packet. */
export function rtp(ssrc: number, seq: number, payload = Buffer.from(`frame ${seq}`)): Buffer {
  return Buffer.concat([new RtpHeader({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: seq * 960, ssrc }).serialize(12), payload]);
}

const PEER_SIGNATURE = { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 };

/** A WebRTC endpoint made of werift's parts on one UDP socket. */
export class RawPeer {
  readonly ufrag: string;
  readonly pwd: string;
  readonly certificate: DtlsCertificate;
  /** Decrypted RTP from the bridge, by SSRC. */
  readonly received = new Map<number, number>();
  /** Sequence numbers of the decrypted RTP, in arrival order. */
  readonly sequenceNumbers: number[] = [];
  srtp: SrtpSession | undefined;
  srtcp: SrtcpSession | undefined;
  readonly #socket: Socket;
  readonly #bridgePort: number;
  readonly #bridge: IceUdpTransport;
  readonly #pending = new Map<string, (m: Message) => void>();
  #onDtls: (datagram: Buffer) => void = () => undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #rtpWaiters: (() => void)[] = [];

  private constructor(socket: Socket, bridge: IceUdpTransport, name: string) {
    this.#socket = socket;
    this.#bridge = bridge;
    this.#bridgePort = bridge.candidates[0]?.port ?? 0;
    this.ufrag = `${name}uf`;
    this.pwd = `${name}-peer-password-0123456789`;
    this.certificate = createDtlsCertificate(Date.now());
    socket.on('message', (datagram) => this.#onMessage(datagram));
  }

  /** A peer on a fresh 127.0.0.1 socket, for the bridge transport `bridge`. */
  static async open(bridge: IceUdpTransport, name: string): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RawPeer(socket, bridge, name);
  }

  /** This peer's socket port. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** What the focus relays for this peer. */
  get remote(): { ufrag: string; pwd: string; fingerprint: string } {
    return { ufrag: this.ufrag, pwd: this.pwd, fingerprint: this.certificate.fingerprint };
  }

  /** A connectivity check as the controlling agent would send it. */
  checkBytes(opts: { useCandidate?: boolean; pwd?: string; ufrag?: string } = {}): { bytes: Buffer; txid: string } {
    const m = new Message(methods.BINDING, classes.REQUEST)
      .setAttribute('USERNAME', `${opts.ufrag ?? this.#bridge.ufrag ?? ''}:${this.ufrag}`)
      .setAttribute('PRIORITY', 1853817087)
      .setAttribute('ICE-CONTROLLING', 0x0102030405060708n);
    if (opts.useCandidate === true) m.setAttribute('USE-CANDIDATE', null);
    m.addMessageIntegrity(Buffer.from(opts.pwd ?? this.#bridge.pwd ?? '')).addFingerprint();
    return { bytes: m.bytes, txid: m.transactionIdHex };
  }

  /** Sends a check and resolves with the authenticated response (rejects after `timeoutMs`). */
  check(opts: { useCandidate?: boolean } = {}, timeoutMs = 2000): Promise<Message> {
    const { bytes, txid } = this.checkBytes(opts);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(txid);
        reject(new Error('no STUN response'));
      }, timeoutMs);
      this.#pending.set(txid, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send(bytes);
    });
  }

  /** Consent checks every `intervalMs` (with USE-CANDIDATE, as libwebrtc does towards a lite agent). */
  startKeepalive(intervalMs: number): void {
    this.stopKeepalive();
    this.#keepalive = setInterval(() => this.send(this.checkBytes({ useCandidate: true }).bytes), intervalMs);
  }

  stopKeepalive(): void {
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }

  /** DTLS as the client (setup=active) with this peer's certificate; SRTP sessions on success. */
  async connectDtls(profiles: SrtpProfile[], timeoutMs = 5000): Promise<SrtpProfile> {
    const transport: ConstructorParameters<typeof DtlsClient>[0]['transport'] = {
      type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: this.port }, closed: false,
      onData: (_d: Buffer, _a: unknown): void => undefined,
      send: (b: Buffer) => {
        this.send(b);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    this.#onDtls = (d) => transport.onData(d, ['127.0.0.1', this.#bridgePort]);
    const client = new DtlsClient({
      transport, cert: this.certificate.certificatePem, key: this.certificate.privateKeyPem,
      signatureHash: PEER_SIGNATURE, srtpProfiles: profiles, extendedMasterSecret: true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('DTLS timeout')), timeoutMs);
      client.onConnect.once(() => {
        clearTimeout(timer);
        resolve();
      });
      client.connect().catch(reject);
    });
    const profile = client.srtp.srtpProfile;
    if (profile === undefined) throw new Error('no SRTP profile');
    const k = client.extractSessionKeys(keyLength(profile), saltLength(profile)) as Record<string, Buffer>;
    const config = { keys: { localMasterKey: k.localKey ?? Buffer.alloc(0), localMasterSalt: k.localSalt ?? Buffer.alloc(0), remoteMasterKey: k.remoteKey ?? Buffer.alloc(0), remoteMasterSalt: k.remoteSalt ?? Buffer.alloc(0) }, profile };
    this.srtp = new SrtpSession(config);
    this.srtcp = new SrtcpSession(config);
    return profile;
  }

  /** Encrypts an RTP packet without sending it (to send from elsewhere, or forge). */
  encryptRtp(ssrc: number, seq: number): Buffer {
    if (this.srtp === undefined) throw new Error('no SRTP yet');
    const plain = rtp(ssrc, seq);
    return this.srtp.encrypt(plain.subarray(12), RtpHeader.deSerialize(plain));
  }

  /** Encrypts and sends an RTP packet; returns the SRTP bytes (to replay). */
  sendRtp(ssrc: number, seq: number): Buffer {
    const enc = this.encryptRtp(ssrc, seq);
    this.send(enc);
    return enc;
  }

  /** Encrypts and sends an RTCP packet. */
  sendRtcp(plain: Buffer): Buffer {
    if (this.srtcp === undefined) throw new Error('no SRTCP yet');
    const enc = this.srtcp.encrypt(plain);
    this.send(enc);
    return enc;
  }

  send(datagram: Buffer): void {
    this.#socket.send(datagram, this.#bridgePort, '127.0.0.1');
  }

  /** Resolves once `count` RTP packets (in total) came back, or rejects after `timeoutMs`. */
  async waitForRtp(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.totalReceived < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.totalReceived} of ${count} RTP packets came back`);
      await new Promise<void>((r) => {
        this.#rtpWaiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  get totalReceived(): number {
    let n = 0;
    for (const v of this.received.values()) n += v;
    return n;
  }

  close(): void {
    this.stopKeepalive();
    this.#socket.close();
  }

  #onMessage(datagram: Buffer): void {
    const first = datagram[0] ?? 255;
    if (first <= 3) {
      const m = parseMessage(datagram, Buffer.from(this.#bridge.pwd ?? ''));
      if (m !== undefined) this.#pending.get(m.transactionIdHex)?.(m);
    } else if (first >= 20 && first <= 63) {
      this.#onDtls(datagram);
    } else if (first >= 128 && first <= 191 && this.srtp !== undefined) {
      const pt = (datagram[1] ?? 0) & 0x7f;
      if (pt >= 64 && pt <= 95) return;
      const plain = this.srtp.decrypt(datagram);
      const ssrc = plain.readUInt32BE(8);
      this.received.set(ssrc, (this.received.get(ssrc) ?? 0) + 1);
      this.sequenceNumbers.push(plain.readUInt16BE(2));
      for (const w of this.#rtpWaiters.splice(0)) w();
    }
  }
}
