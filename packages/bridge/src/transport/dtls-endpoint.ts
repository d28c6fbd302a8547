// DTLS 1.2 for one endpoint (RFC 6347; DTLS-SRTP, RFC 5764): werift-dtls's DtlsServer over a
// virtual transport whose datagrams come from the mux and go back to the endpoint's current
// address, with the bridge's certificate (the one whose fingerprint every transport advertises).
// The bridge is always the DTLS server: it offers setup=actpass and WebRTC answerers pick active.
// After the handshake: the client certificate must match the fingerprint the focus relayed and
// its CertificateVerify must hold (dtls-verify.ts); then SRTP keys come from the exporter.
//
// Retransmitted ClientHellos: werift-dtls answers every ClientHello without a cookie with a new
// HelloVerifyRequest, and werift's DTLS client fails its handshake on a second HelloVerifyRequest
// (its flight 3 throws when it is already in flight 3). A client starved of CPU retransmits its
// ClientHello 500 ms later while our first answer still waits in its socket buffer, so it gets
// two. The RFC 6347 §4.2.4 way for a server is to answer a retransmitted flight with its last
// flight; here the retransmissions of the cookie-less ClientHello are answered only after a
// backoff (1 s, then doubling), which still recovers a lost HelloVerifyRequest, and never once the
// client sent the cookie (it has our answer then). See screenClientHello.
import type { Clock, Logger } from '@plenum/kit';
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, keyLength, saltLength } from 'werift-rtp';
import type { DtlsCertificate } from './dtls-certificate.ts';
import type { RemoteFingerprint } from './dtls-verify.ts';
import { matchesFingerprint, verifyCertificateVerify } from './dtls-verify.ts';
import type { SrtpMasterKeys } from './srtp-protection.ts';
import type { TransportCounters } from './transport-counters.ts';
import { DtlsServer, HashAlgorithm, SignatureAlgorithm } from './werift-dtls.ts';

/** RFC 5764 §4.1.2 profiles in preference order: AEAD_AES_128_GCM (RFC 7714) first, AES_CM_128_HMAC_SHA1_80 supported. */
export const SRTP_PROFILES: readonly SrtpProfile[] = [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80];

/** Why the DTLS side of an endpoint gave up. */
export type DtlsFailure = 'handshake-failed' | 'fingerprint-mismatch' | 'certificate-verify-failed' | 'no-srtp-profile' | 'peer-closed';

/** What a DtlsEndpoint needs. */
export type DtlsEndpointDeps = {
  readonly certificate: DtlsCertificate;
  readonly counters: TransportCounters;
  readonly log: Logger;
  /** For the ClientHello retransmission backoff. */
  readonly clock: Clock;
  /** Sends a datagram to the endpoint's current address (dropped if there is none). */
  send(datagram: Buffer): void;
  onConnected(profile: SrtpProfile, keys: SrtpMasterKeys): void;
  onFailed(reason: DtlsFailure): void;
  /** Application data (the SCTP data channel) after the handshake. */
  onApplicationData(data: Buffer): void;
};

type Transport = ConstructorParameters<typeof DtlsServer>[0]['transport'];
/** werift's onData takes the sender's address; DtlsSocket ignores it (the mux already routed by address). */
const NO_ADDRESS = ['0.0.0.0', 0] as const;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_CERTIFICATE_VERIFY = 15;

/** Backoff before a retransmitted cookie-less ClientHello is answered again; doubles each time. */
export const CLIENT_HELLO_RESEND_MIN_MS = 1000;

/**
 * What a datagram's first record is, as far as the ClientHello backoff cares: not an epoch-0
 * ClientHello; its first fragment, with or without a cookie; or a later fragment (Chromium splits
 * its ClientHello over two datagrams), which goes with the first fragment of the same message_seq.
 */
export type ClientHelloKind = 'none' | 'without-cookie' | 'with-cookie' | 'later-fragment';

/** Whether a datagram starts with an epoch-0 ClientHello (RFC 6347 §4.2.1, §4.2.2, §4.3.2) and which part. */
export function clientHelloKind(datagram: Uint8Array): ClientHelloKind {
  // record header 13, handshake header 12 (type, length 3, message_seq 2, fragment_offset 3, fragment_length 3)
  if (datagram.length < 13 + 12 || datagram[0] !== CONTENT_HANDSHAKE || datagram[3] !== 0 || datagram[4] !== 0) return 'none';
  if (datagram[13] !== HANDSHAKE_CLIENT_HELLO) return 'none';
  if (datagram[19] !== 0 || datagram[20] !== 0 || datagram[21] !== 0) return 'later-fragment';
  // then client_version 2, random 32, session_id (length 1), cookie (length 1)
  if (datagram.length < 13 + 12 + 35) return 'none';
  const cookieAt = 13 + 12 + 34 + 1 + (datagram[13 + 12 + 34] ?? 0);
  if (cookieAt >= datagram.length) return 'none';
  return datagram[cookieAt] === 0 ? 'without-cookie' : 'with-cookie';
}

/** The message_seq of a datagram's first handshake record (clientHelloKind said it is a ClientHello). */
const messageSeqOf = (datagram: Uint8Array): number => ((datagram[17] ?? 0) << 8) | (datagram[18] ?? 0);

/** What screenDtlsRecords says about a datagram. */
export type DtlsScreen = 'accept' | 'malformed' | 'unauthenticated-control';

/**
 * Walks the DTLS records of a datagram (RFC 6347 §4.1) before werift sees them. Records must be
 * whole and of a known content type (20–23): werift treats any other type as an alert and closes.
 * After the handshake, alerts and epoch-0 ClientHellos are refused: werift would obey an
 * unauthenticated alert (it takes any alert whose bytes look like one as plaintext) or restart the
 * handshake, so anyone able to spoof the endpoint's address could cut it off. The endpoint's
 * departure is noticed by consent freshness instead. Retransmitted flights stay allowed.
 */
export function screenDtlsRecords(datagram: Uint8Array, isHandshakeDone: boolean): DtlsScreen {
  if (datagram.length < 13) return 'malformed';
  for (let at = 0; at < datagram.length;) {
    if (at + 13 > datagram.length) return 'malformed';
    const type = datagram[at] ?? 0;
    const epoch = ((datagram[at + 3] ?? 0) << 8) | (datagram[at + 4] ?? 0);
    const length = ((datagram[at + 11] ?? 0) << 8) | (datagram[at + 12] ?? 0);
    if (type < 20 || type > 23 || at + 13 + length > datagram.length) return 'malformed';
    if (isHandshakeDone && (type === CONTENT_ALERT || (type === CONTENT_HANDSHAKE && epoch === 0 && datagram[at + 13] === HANDSHAKE_CLIENT_HELLO))) {
      return 'unauthenticated-control';
    }
    at += 13 + length;
  }
  return 'accept';
}

/** The DTLS server of one endpoint. */
export class DtlsEndpoint {
  readonly #deps: DtlsEndpointDeps;
  readonly #server: DtlsServer;
  readonly #transport: Transport;
  #state: 'handshaking' | 'awaiting-fingerprint' | 'connected' | 'failed' | 'closed' = 'handshaking';
  #remoteFingerprints: readonly RemoteFingerprint[] | undefined;
  /** When a cookie-less ClientHello was last handed to werift (-1: never), and the current backoff. */
  #helloAnsweredMs = -1;
  #helloBackoffMs = CLIENT_HELLO_RESEND_MIN_MS;
  #cookieSeen = false;
  /** message_seq of the ClientHello whose first fragment was last dropped (its later fragments go too), or -1. */
  #droppedHelloSeq = -1;

  constructor(deps: DtlsEndpointDeps) {
    this.#deps = deps;
    const transport: Transport = {
      type: 'udp',
      address: { address: '0.0.0.0', family: 'IPv4', port: 0 },
      closed: false,
      onData: () => undefined,
      send: (datagram: Buffer) => {
        if (!transport.closed) deps.send(datagram);
        return Promise.resolve();
      },
      close: () => {
        transport.closed = true;
        return Promise.resolve();
      },
    };
    this.#transport = transport;
    this.#server = new DtlsServer({
      transport,
      cert: deps.certificate.certificatePem,
      key: deps.certificate.privateKeyPem,
      signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
      srtpProfiles: [...SRTP_PROFILES],
      // RFC 5763 §5: the client's certificate is what the signalled fingerprint identifies.
      certificateRequest: true,
      extendedMasterSecret: true,
    });
    this.#server.onConnect.subscribe(() => this.#onHandshakeDone());
    this.#server.onError.subscribe(() => this.#fail('handshake-failed'));
    this.#server.onClose.subscribe(() => this.#fail('peer-closed'));
    this.#server.onData.subscribe((data: Buffer) => {
      if (this.#state === 'connected') deps.onApplicationData(data);
    });
  }

  /** Handshake done, certificate checked, keys exported. */
  get isConnected(): boolean {
    return this.#state === 'connected';
  }

  /** Feeds one DTLS datagram from the endpoint's address. */
  handle(datagram: Buffer): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    const screen = screenDtlsRecords(datagram, this.#state !== 'handshaking');
    if (screen !== 'accept') {
      this.#deps.counters.dropped[screen === 'malformed' ? 'dtls-malformed' : 'dtls-unauthenticated-control']++;
      return;
    }
    if (this.#state === 'handshaking' && !this.#screenClientHello(datagram)) {
      this.#deps.counters.dropped['dtls-client-hello-retransmission']++;
      return;
    }
    try {
      this.#transport.onData(datagram, NO_ADDRESS);
    } catch {
      // werift-dtls parses the record layer outside its own try block; hostile input must not escape.
      this.#deps.counters.dropped['dtls-malformed']++;
    }
  }

  /** The endpoint's fingerprints as relayed by the focus; verifies a handshake that finished first. */
  setRemoteFingerprints(fingerprints: readonly RemoteFingerprint[]): void {
    this.#remoteFingerprints = fingerprints;
    if (this.#state === 'awaiting-fingerprint') this.#verifyAndStart();
  }

  /** Application data over DTLS (the SCTP data channel). */
  sendApplicationData(data: Buffer): void {
    if (this.#state === 'connected') void this.#server.send(data);
  }

  /** Stops the DTLS side (idempotent; werift's pending retransmission timers run out on their own). */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#server.onConnect.allUnsubscribe();
    this.#server.onError.allUnsubscribe();
    this.#server.onClose.allUnsubscribe();
    this.#server.onData.allUnsubscribe();
    void this.#transport.close();
  }

  /** False for a retransmitted cookie-less ClientHello that must not get a second HelloVerifyRequest yet. */
  #screenClientHello(datagram: Buffer): boolean {
    const kind = clientHelloKind(datagram);
    if (kind === 'none') return true;
    const seq = messageSeqOf(datagram);
    // Fragments without their first one would leave werift a half message to reassemble.
    if (kind === 'later-fragment') return seq !== this.#droppedHelloSeq;
    if (kind === 'with-cookie') this.#cookieSeen = true;
    if (kind === 'without-cookie' && !this.#answerHelloAgain()) {
      this.#droppedHelloSeq = seq;
      return false;
    }
    if (seq === this.#droppedHelloSeq) this.#droppedHelloSeq = -1;
    return true;
  }

  /** Whether a cookie-less ClientHello gets (another) HelloVerifyRequest now. */
  #answerHelloAgain(): boolean {
    if (this.#cookieSeen) return false;
    const now = this.#deps.clock.now();
    if (this.#helloAnsweredMs >= 0) {
      if (now - this.#helloAnsweredMs < this.#helloBackoffMs) return false;
      this.#helloBackoffMs *= 2;
    }
    this.#helloAnsweredMs = now;
    return true;
  }

  #onHandshakeDone(): void {
    if (this.#state !== 'handshaking') return;
    this.#state = 'awaiting-fingerprint';
    if (this.#remoteFingerprints !== undefined) this.#verifyAndStart();
    else this.#deps.log.debug('dtls handshake done before the remote fingerprint arrived');
  }

  #verifyAndStart(): void {
    const certificate = this.#server.remoteCertificate;
    if (certificate === undefined || !matchesFingerprint(certificate, this.#remoteFingerprints ?? [])) {
      this.#deps.counters.fingerprintMismatches++;
      this.#fail('fingerprint-mismatch');
      return;
    }
    if (!this.#certificateVerifyHolds(certificate)) {
      this.#deps.counters.certificateVerifyFailures++;
      this.#fail('certificate-verify-failed');
      return;
    }
    const profile = this.#server.srtp.srtpProfile;
    if (profile !== ProtectionProfileAeadAes128Gcm && profile !== ProtectionProfileAes128CmHmacSha1_80) {
      this.#fail('no-srtp-profile');
      return;
    }
    const k = this.#server.extractSessionKeys(keyLength(profile), saltLength(profile)) as Record<'localKey' | 'localSalt' | 'remoteKey' | 'remoteSalt', Buffer>;
    this.#state = 'connected';
    this.#deps.counters.dtlsConnected++;
    this.#deps.onConnected(profile, { localMasterKey: k.localKey, localMasterSalt: k.localSalt, remoteMasterKey: k.remoteKey, remoteMasterSalt: k.remoteSalt });
  }

  #certificateVerifyHolds(certificate: Buffer): boolean {
    const messages = this.#server.dtls.sortedHandshakeCache;
    const at = messages.findIndex((m) => m.msg_type === HANDSHAKE_CERTIFICATE_VERIFY);
    const message = messages[at];
    if (message === undefined) return false;
    const transcript = Buffer.concat(messages.slice(0, at).map((m) => m.serialize()));
    return verifyCertificateVerify(transcript, certificate, message.fragment);
  }

  #fail(reason: DtlsFailure): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    this.#state = 'failed';
    if (reason !== 'peer-closed') this.#deps.counters.dtlsFailed++;
    void this.#transport.close();
    this.#deps.onFailed(reason);
  }
}
