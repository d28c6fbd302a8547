// TcpPeer: a WebRTC endpoint assembled from werift's parts over one ICE-TCP connection to the
// bridge (RFC 6544 active side): framed STUN checks with MESSAGE-INTEGRITY, DTLS as the client over
// the framing, SRTP/SRTCP. The test controls every frame, so it can also send garbage, stop
// reading (backpressure) or drop the connection.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { IceUdpTransport } from '@plenum/xmpp/codec';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import type { SrtpProfile } from 'werift-rtp';
import { RtpHeader, SrtcpSession, SrtpSession, keyLength, saltLength } from 'werift-rtp';
import { createDtlsCertificate } from '../../src/transport/dtls-certificate.ts';
import type { DtlsCertificate } from '../../src/transport/dtls-certificate.ts';
import { IceTcpFrameReader, frameDatagram } from '../../src/transport/ice-tcp-framing.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from '../../src/transport/werift-dtls.ts';
import { rtp } from './media-harness.ts';

const PEER_SIGNATURE = { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 };

/** The bridge's TCP candidate in an allocation's transport. */
export function tcpCandidateOf(t: IceUdpTransport): { port: number; priority: number; tcpType: string | undefined } {
  const c = t.candidates.find((x) => x.protocol === 'tcp');
  if (c === undefined) throw new Error('no TCP candidate advertised');
  return { port: c.port, priority: c.priority, tcpType: c.tcpType };
}

/** Opens a plain TCP connection to the bridge's ICE-TCP port; resolves once connected. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Resolves when the socket is closed by the other side (or rejects after `timeoutMs`). */
export function socketClosed(s: Socket, timeoutMs = 3000): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the bridge kept the connection open')), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('error', () => undefined);
    s.resume();
  });
}

/** A WebRTC endpoint made of werift's parts on one ICE-TCP connection. */
export class TcpPeer {
  readonly ufrag: string;
  readonly pwd: string;
  readonly certificate: DtlsCertificate;
  readonly socket: Socket;
  /** Decrypted RTP from the bridge, by SSRC. */
  readonly received = new Map<number, number>();
  srtp: SrtpSession | undefined;
  srtcp: SrtcpSession | undefined;
  readonly #bridge: IceUdpTransport;
  readonly #reader = new IceTcpFrameReader(0xffff);
  readonly #pending = new Map<string, (m: Message) => void>();
  #onDtls: (datagram: Buffer) => void = () => undefined;
  #keepalive: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, bridge: IceUdpTransport, name: string) {
    this.socket = socket;
    this.#bridge = bridge;
    this.ufrag = `${name}uf`;
    this.pwd = `${name}-peer-password-0123456789`;
    this.certificate = createDtlsCertificate(Date.now());
    socket.on('data', (chunk: Buffer) => this.#reader.push(chunk, (frame) => {
      this.#onFrame(Buffer.from(frame));
      return true;
    }));
    socket.on('error', () => undefined);
  }

  /** A peer connected to the bridge's TCP candidate of `bridge`. */
  static async open(bridge: IceUdpTransport, name: string): Promise<TcpPeer> {
    return new TcpPeer(await openSocket(tcpCandidateOf(bridge).port), bridge, name);
  }

  /** What the focus relays for this peer. */
  get remote(): { ufrag: string; pwd: string; fingerprint: string } {
    return { ufrag: this.ufrag, pwd: this.pwd, fingerprint: this.certificate.fingerprint };
  }

  /** The local port of the connection (what XOR-MAPPED-ADDRESS must report). */
  get port(): number {
    return this.socket.localPort ?? 0;
  }

  /** A connectivity check as the controlling agent would send it (unframed). */
  checkBytes(opts: { useCandidate?: boolean; pwd?: string; ufrag?: string } = {}): Buffer {
    const m = new Message(methods.BINDING, classes.REQUEST)
      .setAttribute('USERNAME', `${opts.ufrag ?? this.#bridge.ufrag ?? ''}:${this.ufrag}`)
      .setAttribute('PRIORITY', 1518280447)
      .setAttribute('ICE-CONTROLLING', 0x0102030405060708n);
    if (opts.useCandidate === true) m.setAttribute('USE-CANDIDATE', null);
    m.addMessageIntegrity(Buffer.from(opts.pwd ?? this.#bridge.pwd ?? '')).addFingerprint();
    return m.bytes;
  }

  /** Sends a check and resolves with the authenticated response (rejects after `timeoutMs`). */
  check(opts: { useCandidate?: boolean } = {}, timeoutMs = 2000): Promise<Message> {
    const bytes = this.checkBytes(opts);
    const txid = bytes.subarray(8, 20).toString('hex');
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

  /** Consent checks every `intervalMs`, with USE-CANDIDATE. */
  startKeepalive(intervalMs: number): void {
    this.stopKeepalive();
    this.#keepalive = setInterval(() => this.send(this.checkBytes({ useCandidate: true })), intervalMs);
  }

  stopKeepalive(): void {
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }

  /** DTLS as the client over the framing; SRTP sessions on success. */
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
    this.#onDtls = (d) => transport.onData(d, ['127.0.0.1', this.socket.remotePort ?? 0]);
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

  /** Encrypts and sends an RTP packet. */
  sendRtp(ssrc: number, seq: number): void {
    if (this.srtp === undefined) throw new Error('no SRTP yet');
    const plain = rtp(ssrc, seq);
    this.send(this.srtp.encrypt(plain.subarray(12), RtpHeader.deSerialize(plain)));
  }

  /** Sends one datagram, framed. */
  send(datagram: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frameDatagram(datagram));
  }

  /** Resolves once `count` RTP packets (in total) came back, or rejects after `timeoutMs`. */
  async waitForRtp(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.totalReceived < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.totalReceived} of ${count} RTP packets came back`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  get totalReceived(): number {
    let n = 0;
    for (const v of this.received.values()) n += v;
    return n;
  }

  close(): void {
    this.stopKeepalive();
    this.socket.destroy();
  }

  #onFrame(frame: Buffer): void {
    const first = frame[0] ?? 255;
    if (first <= 3) {
      const m = parseMessage(frame, Buffer.from(this.#bridge.pwd ?? ''));
      if (m !== undefined) this.#pending.get(m.transactionIdHex)?.(m);
    } else if (first >= 20 && first <= 63) {
      this.#onDtls(frame);
    } else if (first >= 128 && first <= 191 && this.srtp !== undefined) {
      const pt = (frame[1] ?? 0) & 0x7f;
      if (pt >= 64 && pt <= 95) return;
      const plain = this.srtp.decrypt(frame);
      const ssrc = plain.readUInt32BE(8);
      this.received.set(ssrc, (this.received.get(ssrc) ?? 0) + 1);
    }
  }
}
