// One endpoint's transport: the ICE-lite responder for its credentials (RFC 8445 §2.5, §7.3),
// its DTLS server, its SRTP/SRTCP contexts, and the API the forwarding layer uses
// (onRtp/onRtcp in, sendRtp/sendRtcp out). The bridge never sends checks: it answers them,
// selects the path of the first valid check or of a nomination (USE-CANDIDATE), follows a
// nominated new path (network change), and records when it last saw a valid check; the
// TransportManager expires endpoints whose consent (RFC 7675) has not been refreshed.
// A path is a remote UDP address (ip, port) on the shared socket or, for endpoints whose UDP is
// blocked, an ICE-TCP connection (RFC 6544); at most one is selected, and sending uses it.
// When a nomination moves the path, the UDP address it leaves stays routed to this endpoint for
// receiving (one such address at most, until the next move): werift nominates every pair whose
// check completes after its first nomination (against RFC 8445 §8.1.1) yet keeps sending on the
// first, so under load the bridge followed the second pair and dropped the client's DTLS from the
// first as `dtls-unknown-address`: the handshake never finished. What arrives from that address
// still has to authenticate (SRTP), and DTLS after the handshake is screened (dtls-endpoint.ts).
import type { Clock, Logger, Off } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { SrtpProfile } from 'werift-rtp';
import { ProtectionProfileAeadAes128Gcm } from 'werift-rtp';
import type { BatchedDelivery, BatchedEndpoint } from './batched-delivery.ts';
import type { DtlsCertificate } from './dtls-certificate.ts';
import type { DtlsFailure } from './dtls-endpoint.ts';
import { DtlsEndpoint } from './dtls-endpoint.ts';
import type { RemoteFingerprint } from './dtls-verify.ts';
import type { FrameTarget, IceTcpConnection } from './ice-tcp-connection.ts';
import { SrtpProtection } from './srtp-protection.ts';
import type { SrtpMasterKeys } from './srtp-protection.ts';
import type { BindingRequest } from './stun-binding.ts';
import { verifyMessageIntegrity, writeBindingSuccess } from './stun-binding.ts';
import type { TransportCounters } from './transport-counters.ts';
import type { AddressTarget, DatagramPort } from './udp-mux.ts';

/**
 * Where an endpoint's transport is:
 * - `new`: allocated, no valid check yet;
 * - `checking`: a valid check selected an address, DTLS not done (or its certificate not yet verified);
 * - `connected`: DTLS done and verified, SRTP ready;
 * - `failed`, `expired`, `closed`: final.
 */
export type TransportState = 'new' | 'checking' | 'connected' | 'failed' | 'expired' | 'closed';

/** Why a transport failed. */
export type TransportFailure = DtlsFailure | 'dtls-timeout';

/** The kind of the selected path. */
export type TransportPathKind = 'udp' | 'tcp';

/** SRTP profile names as in RFC 5764 / RFC 7714. */
export type SrtpProfileName = 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80';

/** Lifecycle events of one endpoint's transport (rare; packets use onRtp/onRtcp). */
export type EndpointTransportEvents = {
  /** DTLS done, certificate verified, SRTP ready: sendRtp works from now on. */
  connected: [];
  /** DTLS failed (or never finished): the transport is closed; the endpoint should go. */
  failed: [reason: TransportFailure];
  /** No valid connectivity check for the consent timeout: the transport is closed; the endpoint should go. */
  expired: [];
  /** Final: after failed, expired or close(). */
  closed: [reason: string];
};

/** Receives decrypted RTP: the packet (a fresh buffer the listener may keep), its SSRC and extended sequence number. */
export type RtpListener = (packet: Buffer, ssrc: number, extendedSeq: number) => void;
/** Receives a decrypted (compound) RTCP packet. */
export type RtcpListener = (packet: Buffer) => void;

/** The endpoint's side as the focus relays it (its answer's ICE credentials and fingerprints). */
export type RemoteTransportParameters = {
  readonly ufrag?: string | undefined;
  readonly pwd?: string | undefined;
  readonly fingerprints: readonly RemoteFingerprint[];
};

/** Per-endpoint traffic counts. */
export type EndpointTransportStats = {
  readonly state: TransportState;
  readonly srtpProfile: SrtpProfileName | undefined;
  readonly rtpPacketsReceived: number;
  readonly rtpBytesReceived: number;
  readonly rtcpPacketsReceived: number;
  readonly rtpPacketsSent: number;
  readonly rtpBytesSent: number;
  readonly rtcpPacketsSent: number;
  readonly addressChanges: number;
};

/** What an EndpointTransport needs. */
export type EndpointTransportDeps = {
  readonly meetingId: string;
  readonly endpointId: string;
  readonly localUfrag: string;
  readonly localPwd: string;
  readonly certificate: DtlsCertificate;
  readonly counters: TransportCounters;
  readonly mux: DatagramPort;
  readonly clock: Clock;
  readonly log: Logger;
  /** The endpoint asked for batched delivery: its RTP over UDP goes out in bursts (batched-delivery.ts). */
  readonly batches?: BatchedDelivery | undefined;
};

/** An endpoint's queue reaching this many packets goes out at once (≈ 300 KB; 20 ms of a 4-person meeting is about 10). */
export const MAX_BATCH_PACKETS = 256;

/** The transport of one endpoint. */
export class EndpointTransport implements AddressTarget, FrameTarget, BatchedEndpoint {
  readonly meetingId: string;
  readonly endpointId: string;
  readonly localUfrag: string;
  readonly events: TypedEmitter<EndpointTransportEvents>;
  readonly #deps: EndpointTransportDeps;
  readonly #localKey: Buffer;
  readonly #counters: TransportCounters;
  #state: TransportState = 'new';
  #remote: RemoteTransportParameters | undefined;
  /** The selected UDP path; exclusive with #tcp. */
  #address: string | undefined;
  #port = 0;
  /** The UDP address selected before the last move: still routed here for receiving (see the header). */
  #previousAddress: string | undefined;
  #previousPort = 0;
  /** The selected ICE-TCP path; exclusive with #address. */
  #tcp: IceTcpConnection | undefined;
  #lastValidCheckMs: number;
  #checkingSinceMs = 0;
  #dtls: DtlsEndpoint | undefined;
  #srtp: SrtpProtection | undefined;
  #rtpListener: RtpListener | undefined;
  #rtcpListener: RtcpListener | undefined;
  #dataListener: ((data: Buffer) => void) | undefined;
  #rtpPacketsReceived = 0;
  #rtpBytesReceived = 0;
  #rtcpPacketsReceived = 0;
  #rtpPacketsSent = 0;
  #rtpBytesSent = 0;
  #rtcpPacketsSent = 0;
  #addressChanges = 0;
  /** Protected RTP waiting for its burst (batched delivery only); reused, never reallocated. */
  readonly #batch: Buffer[] = [];

  constructor(deps: EndpointTransportDeps) {
    this.#deps = deps;
    this.meetingId = deps.meetingId;
    this.endpointId = deps.endpointId;
    this.localUfrag = deps.localUfrag;
    this.#localKey = Buffer.from(deps.localPwd, 'utf8');
    this.#counters = deps.counters;
    this.events = new TypedEmitter<EndpointTransportEvents>(deps.log);
    // Consent is counted from allocation: an endpoint that never checks in expires too.
    this.#lastValidCheckMs = deps.clock.now();
  }

  get state(): TransportState {
    return this.#state;
  }

  /** True once SRTP is ready (sendRtp/sendRtcp deliver). */
  get isConnected(): boolean {
    return this.#state === 'connected';
  }

  /** When the last valid connectivity check arrived (or the allocation, before any). */
  get lastValidCheckMs(): number {
    return this.#lastValidCheckMs;
  }

  /** The selected path's kind; undefined while none is. */
  get pathKind(): TransportPathKind | undefined {
    if (this.#address !== undefined) return 'udp';
    return this.#tcp === undefined ? undefined : 'tcp';
  }

  /** The negotiated SRTP profile, once connected. */
  get srtpProfile(): SrtpProfileName | undefined {
    if (this.#srtp === undefined) return undefined;
    return this.#srtp.profile === ProtectionProfileAeadAes128Gcm ? 'AEAD_AES_128_GCM' : 'AES_CM_128_HMAC_SHA1_80';
  }

  /** Sets the one RTP listener (replacing any); the returned function removes it. */
  onRtp(listener: RtpListener): Off {
    this.#rtpListener = listener;
    return () => {
      if (this.#rtpListener === listener) this.#rtpListener = undefined;
    };
  }

  /** Sets the one RTCP listener (replacing any); the returned function removes it. */
  onRtcp(listener: RtcpListener): Off {
    this.#rtcpListener = listener;
    return () => {
      if (this.#rtcpListener === listener) this.#rtcpListener = undefined;
    };
  }

  /** Sets the one listener for DTLS application data (the SCTP data channel, when it comes). */
  onApplicationData(listener: (data: Buffer) => void): Off {
    this.#dataListener = listener;
    return () => {
      if (this.#dataListener === listener) this.#dataListener = undefined;
    };
  }

  /**
   * Encrypts the plain RTP packet `packet[0, length)` and sends it to the endpoint; false (counted)
   * if not connected or not RTP. The packet is read before this returns: the caller may reuse the
   * buffer at once (the forwarding loop's one send buffer, with no view made per packet).
   */
  sendRtp(packet: Buffer, length = packet.length): boolean {
    const srtp = this.#srtp;
    const address = this.#address;
    const tcp = this.#tcp;
    if (srtp === undefined || (address === undefined && tcp === undefined)) {
      this.#counters.dropped['send-not-connected']++;
      return false;
    }
    const protectedPacket = srtp.protectRtp(packet, length);
    if (protectedPacket === undefined) return false;
    const batches = this.#deps.batches;
    if (address !== undefined && batches !== undefined) this.#queue(batches, protectedPacket);
    else if (address !== undefined) this.#deps.mux.send(protectedPacket, this.#port, address);
    else if (tcp?.send(protectedPacket, true) !== true) return false;
    this.#counters.rtpPacketsSent++;
    this.#rtpPacketsSent++;
    this.#rtpBytesSent += length;
    return true;
  }

  /** Sends the RTP queued for this endpoint's burst, in order, on its path as it is now. */
  flushBatch(): void {
    const batch = this.#batch;
    const address = this.#address;
    const tcp = this.#tcp;
    if (address !== undefined) {
      const mux = this.#deps.mux;
      for (let i = 0; i < batch.length; i++) mux.send(batch[i] as Buffer, this.#port, address);
    } else if (tcp !== undefined) {
      // The path moved to ICE-TCP while these waited.
      for (let i = 0; i < batch.length; i++) tcp.send(batch[i] as Buffer, true);
    }
    batch.length = 0;
  }

  #queue(batches: BatchedDelivery, protectedPacket: Buffer): void {
    const batch = this.#batch;
    if (batch.length >= MAX_BATCH_PACKETS) this.flushBatch();
    if (batch.length === 0) batches.due(this);
    batch.push(protectedPacket);
  }

  /** Encrypts a plain (compound) RTCP packet and sends it; false (counted) if not connected or not RTCP. */
  sendRtcp(packet: Buffer): boolean {
    const srtp = this.#srtp;
    const address = this.#address;
    const tcp = this.#tcp;
    if (srtp === undefined || (address === undefined && tcp === undefined)) {
      this.#counters.dropped['send-not-connected']++;
      return false;
    }
    const protectedPacket = srtp.protectRtcp(packet);
    if (protectedPacket === undefined) return false;
    if (address !== undefined) this.#deps.mux.send(protectedPacket, this.#port, address);
    else if (tcp?.send(protectedPacket, true) !== true) return false;
    this.#counters.rtcpPacketsSent++;
    this.#rtcpPacketsSent++;
    return true;
  }

  /** Sends DTLS application data (the SCTP data channel); false if not connected. */
  sendApplicationData(data: Buffer): boolean {
    if (this.#state !== 'connected' || this.#dtls === undefined) return false;
    this.#dtls.sendApplicationData(data);
    return true;
  }

  /** The endpoint's ICE credentials and DTLS fingerprints, as the focus relays them. */
  setRemoteParameters(remote: RemoteTransportParameters): void {
    if (this.#isFinal()) return;
    this.#remote = remote;
    this.#dtls?.setRemoteFingerprints(remote.fingerprints);
  }

  /**
   * A connectivity check over UDP whose USERNAME names this endpoint's ufrag (RFC 8445 §7.3):
   * verified with the local password, answered, and used to select or follow the endpoint's path.
   * True when it was valid (and answered).
   */
  handleBindingRequest(request: BindingRequest, datagram: Buffer, address: string, port: number): boolean {
    if (!this.#isValidCheck(request, datagram)) return false;
    const response = writeBindingSuccess(request.transactionId, address, port, this.#localKey);
    if (response === undefined) return false;
    this.#deps.mux.send(response, port, address);
    this.#checkAnswered(request);
    if (this.#address === undefined && this.#tcp === undefined) {
      // First valid check: peers in aggressive mode, or that never nominate a lite agent (werift),
      // get a path at once; a later nomination may move it.
      this.#selectUdp(address, port);
    } else if (request.useCandidate && (address !== this.#address || port !== this.#port)) {
      // RFC 8445 §7.3.1.5 (nomination) on another pair: the endpoint moved (network change).
      this.#pathChanged();
      this.#selectUdp(address, port);
    }
    return true;
  }

  /**
   * The same over an ICE-TCP connection: answered on that connection (XOR-MAPPED-ADDRESS is the
   * connection's remote end). True when it was valid: the caller then ties the connection to this endpoint.
   */
  handleTcpBindingRequest(request: BindingRequest, frame: Buffer, connection: IceTcpConnection): boolean {
    if (!this.#isValidCheck(request, frame)) return false;
    const response = writeBindingSuccess(request.transactionId, connection.remoteAddress, connection.remotePort, this.#localKey);
    if (response === undefined) return false;
    connection.send(response, false);
    this.#checkAnswered(request);
    if (this.#address === undefined && this.#tcp === undefined) {
      this.#selectTcp(connection);
    } else if (request.useCandidate && connection !== this.#tcp) {
      this.#pathChanged();
      this.#selectTcp(connection);
    }
    return true;
  }

  handleDtls(datagram: Buffer): void {
    if (this.#isFinal()) return;
    this.#dtls ??= this.#newDtls();
    this.#dtls.handle(datagram);
  }

  handleRtp(datagram: Buffer): void {
    const srtp = this.#srtp;
    if (srtp === undefined) {
      this.#counters.dropped['media-before-srtp']++;
      return;
    }
    const packet = srtp.unprotectRtp(datagram);
    if (packet === undefined) return;
    this.#counters.rtpPacketsReceived++;
    this.#rtpPacketsReceived++;
    this.#rtpBytesReceived += packet.length;
    this.#rtpListener?.(packet, srtp.lastSsrc, srtp.lastIndex);
  }

  handleRtcp(datagram: Buffer): void {
    const srtp = this.#srtp;
    if (srtp === undefined) {
      this.#counters.dropped['media-before-srtp']++;
      return;
    }
    const packet = srtp.unprotectRtcp(datagram);
    if (packet === undefined) return;
    this.#counters.rtcpPacketsReceived++;
    this.#rtcpPacketsReceived++;
    this.#rtcpListener?.(packet);
  }

  addressTaken(address: string, port: number): void {
    // Another endpoint's valid check came from this address: it is theirs now.
    if (address === this.#previousAddress && port === this.#previousPort) this.#previousAddress = undefined;
    else if (address === this.#address && port === this.#port) this.#address = undefined;
  }

  tcpPathClosed(connection: IceTcpConnection): void {
    if (this.#tcp !== connection) return;
    // Nothing to send on until a valid check arrives on another path; consent runs out otherwise.
    this.#tcp = undefined;
    this.#deps.log.debug('endpoint tcp path closed');
  }

  /**
   * Consent freshness (RFC 7675, from the responder's side): expired when no valid check came for
   * `timeoutMs`; failed when a selected address has not completed DTLS within `timeoutMs`.
   */
  checkConsent(nowMs: number, timeoutMs: number): 'fresh' | 'expired' | 'dtls-timeout' {
    if (this.#isFinal()) return 'fresh';
    if (nowMs - this.#lastValidCheckMs >= timeoutMs) return 'expired';
    if (this.#state === 'checking' && nowMs - this.#checkingSinceMs >= timeoutMs) return 'dtls-timeout';
    return 'fresh';
  }

  /** Consent lost: `expired`, then closed. */
  expire(): void {
    if (this.#isFinal()) return;
    this.#state = 'expired';
    this.#counters.consentExpiries++;
    this.events.emit('expired');
    this.#shutDown('expired');
  }

  /** Gives up (a failure found outside: the DTLS timeout): `failed`, then closed. */
  fail(reason: TransportFailure): void {
    if (this.#isFinal()) return;
    this.#state = 'failed';
    if (reason === 'dtls-timeout') this.#counters.dtlsFailed++;
    this.events.emit('failed', reason);
    this.#shutDown(reason);
  }

  /** Closes the transport (idempotent): stops DTLS, forgets the address and the listeners. */
  close(reason = 'closed'): void {
    if (this.#isFinal()) return;
    this.#state = 'closed';
    this.#shutDown(reason);
  }

  stats(): EndpointTransportStats {
    return {
      state: this.#state, srtpProfile: this.srtpProfile,
      rtpPacketsReceived: this.#rtpPacketsReceived, rtpBytesReceived: this.#rtpBytesReceived, rtcpPacketsReceived: this.#rtcpPacketsReceived,
      rtpPacketsSent: this.#rtpPacketsSent, rtpBytesSent: this.#rtpBytesSent, rtcpPacketsSent: this.#rtcpPacketsSent,
      addressChanges: this.#addressChanges,
    };
  }

  #isFinal(): boolean {
    return this.#state === 'failed' || this.#state === 'expired' || this.#state === 'closed';
  }

  #isValidCheck(request: BindingRequest, datagram: Buffer): boolean {
    if (this.#isFinal()) return false;
    if (!verifyMessageIntegrity(datagram, request.integrityOffset, this.#localKey)) {
      this.#counters.dropped['stun-bad-integrity']++;
      return false;
    }
    const remoteUfrag = this.#remote?.ufrag;
    if (remoteUfrag !== undefined && remoteUfrag !== request.remoteUfrag) {
      this.#counters.dropped['stun-remote-ufrag-mismatch']++;
      return false;
    }
    return true;
  }

  #checkAnswered(request: BindingRequest): void {
    this.#counters.stunAnswered++;
    this.#lastValidCheckMs = this.#deps.clock.now();
    if (request.useCandidate) this.#counters.nominations++;
  }

  #pathChanged(): void {
    this.#addressChanges++;
    this.#counters.addressChanges++;
    this.#deps.log.debug('endpoint address changed');
  }

  #selectUdp(address: string, port: number): void {
    this.#leaveSelectedPath();
    if (address === this.#previousAddress && port === this.#previousPort) this.#previousAddress = undefined;
    this.#address = address;
    this.#port = port;
    this.#deps.mux.bindAddress(address, port, this);
    this.#pathSelected();
  }

  #selectTcp(connection: IceTcpConnection): void {
    this.#leaveSelectedPath();
    this.#tcp = connection;
    connection.select(this);
    this.#pathSelected();
  }

  /** Deselects the current path; a UDP address becomes the previous one (still routed here), replacing any older. */
  #leaveSelectedPath(): void {
    const address = this.#address;
    if (address !== undefined) {
      if (this.#previousAddress !== undefined && (this.#previousAddress !== address || this.#previousPort !== this.#port)) {
        this.#deps.mux.unbindAddress(this.#previousAddress, this.#previousPort, this);
      }
      this.#previousAddress = address;
      this.#previousPort = this.#port;
    }
    this.#address = undefined;
    this.#tcp?.deselect(this);
    this.#tcp = undefined;
  }

  /** Forgets every path and unroutes every address (closing). */
  #dropPath(): void {
    if (this.#address !== undefined) this.#deps.mux.unbindAddress(this.#address, this.#port, this);
    if (this.#previousAddress !== undefined) this.#deps.mux.unbindAddress(this.#previousAddress, this.#previousPort, this);
    this.#address = undefined;
    this.#previousAddress = undefined;
    this.#tcp?.deselect(this);
    this.#tcp = undefined;
  }

  #pathSelected(): void {
    if (this.#state === 'new') {
      this.#state = 'checking';
      this.#checkingSinceMs = this.#deps.clock.now();
    }
  }

  #newDtls(): DtlsEndpoint {
    const dtls = new DtlsEndpoint({
      certificate: this.#deps.certificate, counters: this.#counters, log: this.#deps.log, clock: this.#deps.clock,
      send: (datagram) => {
        if (this.#address !== undefined) this.#deps.mux.send(datagram, this.#port, this.#address);
        else this.#tcp?.send(datagram, false);
      },
      onConnected: (profile, keys) => this.#onDtlsConnected(profile, keys),
      onFailed: (reason) => this.fail(reason),
      onApplicationData: (data) => {
        if (this.#dataListener !== undefined) this.#dataListener(data);
        else this.#counters.dropped['dtls-application-data']++;
      },
    });
    if (this.#remote !== undefined) dtls.setRemoteFingerprints(this.#remote.fingerprints);
    return dtls;
  }

  #onDtlsConnected(profile: SrtpProfile, keys: SrtpMasterKeys): void {
    if (this.#isFinal()) return;
    this.#srtp = new SrtpProtection(profile, keys, this.#counters);
    this.#state = 'connected';
    this.events.emit('connected');
  }

  #shutDown(reason: string): void {
    this.#dropPath();
    this.#dtls?.close();
    this.#srtp = undefined;
    this.#batch.length = 0;
    this.#rtpListener = undefined;
    this.#rtcpListener = undefined;
    this.#dataListener = undefined;
    this.events.emit('closed', reason);
  }
}
