// The bridge's media transport: the one UDP socket (and, when enabled, the ICE-TCP listener), an
// EndpointTransport per allocated endpoint, STUN routing by local ufrag, and the consent sweep. The control plane drives it (create on
// allocation, remote parameters when the focus relays the endpoint's answer, remove on expiry);
// it reports back transports that expired or failed so the control plane expires those endpoints.
import type { Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import { BatchedDelivery } from './batched-delivery.ts';
import type { DtlsCertificate } from './dtls-certificate.ts';
import type { RemoteTransportParameters, TransportFailure } from './endpoint-transport.ts';
import { EndpointTransport } from './endpoint-transport.ts';
import type { IceTcpConnection } from './ice-tcp-connection.ts';
import { IceTcpMux } from './ice-tcp-mux.ts';
import { readBindingRequest } from './stun-binding.ts';
import type { TransportCounters } from './transport-counters.ts';
import { newTransportCounters, transportStatsJson } from './transport-counters.ts';
import { UdpMux } from './udp-mux.ts';

/** What observers (the control plane, the forwarding layer, tests) hear. */
export type TransportManagerEvents = {
  /** A transport was made for a newly allocated endpoint (register onRtp/onRtcp here). */
  transportCreated: [EndpointTransport];
  /** DTLS done and verified: media can flow both ways. */
  transportConnected: [EndpointTransport];
  /** No valid connectivity check within the consent timeout (RFC 7675): the endpoint should be expired. */
  transportExpired: [EndpointTransport];
  /** DTLS failed, the fingerprint did not match, or DTLS never finished: the endpoint should be expired. */
  transportFailed: [EndpointTransport, TransportFailure];
};

/** Options of TransportManager.start. */
export type TransportManagerOptions = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly certificate: DtlsCertificate;
  /** Address the UDP socket binds. */
  readonly host: string;
  /** UDP port; 0 picks a free one. */
  readonly port: number;
  /** RFC 7675: an endpoint without a valid check for this long is expired (also the DTLS deadline). */
  readonly consentTimeoutMs: number;
  /** ICE-TCP (RFC 6544 passive), the fallback for endpoints whose UDP is blocked; off when absent. */
  readonly tcp?: IceTcpOptions | undefined;
  /** Endpoints created with `batched` get their RTP over UDP in one burst this often; 0 or absent: never batched. */
  readonly batchIntervalMs?: number | undefined;
};

/** Where and how the ICE-TCP listener runs. */
export type IceTcpOptions = {
  readonly host: string;
  /** 0 picks a free one. */
  readonly port: number;
  /** A connection without a valid connectivity check this long after it was accepted is closed. */
  readonly authTimeoutMs: number;
  /** Connections awaiting their first valid check; beyond this the oldest is closed. */
  readonly maxPendingConnections: number;
  /** Per-connection write-buffer bound over which media is dropped (default 128 KiB). */
  readonly mediaWriteLimitBytes?: number;
};

/** Snapshot of the transport layer for stats. */
export type TransportStats = {
  readonly endpoints: number;
  readonly connectedEndpoints: number;
  readonly counters: TransportCounters;
};

/** The bridge's media transport. */
export class TransportManager {
  readonly events: TypedEmitter<TransportManagerEvents>;
  readonly #options: TransportManagerOptions;
  readonly #counters: TransportCounters;
  readonly #byUfrag = new Map<string, EndpointTransport>();
  readonly #byMeeting = new Map<string, Map<string, EndpointTransport>>();
  readonly #mux: UdpMux;
  readonly #tcp: IceTcpMux | undefined;
  readonly #stopSweep: () => void;
  readonly #batches: BatchedDelivery | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: TransportManagerOptions, counters: TransportCounters, mux: UdpMux, tcp: IceTcpMux | undefined) {
    this.#options = options;
    this.#counters = counters;
    this.#mux = mux;
    this.#tcp = tcp;
    this.events = new TypedEmitter<TransportManagerEvents>(options.log);
    const sweepMs = Math.max(50, Math.min(1000, Math.floor(options.consentTimeoutMs / 4)));
    this.#stopSweep = options.clock.setInterval(() => this.#sweep(), sweepMs);
    const batchMs = options.batchIntervalMs ?? 0;
    this.#batches = batchMs > 0 ? new BatchedDelivery({ clock: options.clock, intervalMs: batchMs }) : undefined;
  }

  /** Binds the UDP socket (and the ICE-TCP listener when configured) and starts the consent sweep. */
  static async start(options: TransportManagerOptions): Promise<TransportManager> {
    const counters = newTransportCounters();
    let manager: TransportManager | undefined;
    const mux = await UdpMux.bind({
      host: options.host, port: options.port, counters, log: options.log,
      onStun: (datagram, address, port) => manager?.handleStun(datagram, address, port),
    });
    let tcp: IceTcpMux | undefined;
    if (options.tcp !== undefined) {
      const t = options.tcp;
      tcp = await IceTcpMux.listen({
        host: t.host, port: t.port, counters, log: options.log, clock: options.clock,
        authTimeoutMs: t.authTimeoutMs, maxPendingConnections: t.maxPendingConnections,
        ...(t.mediaWriteLimitBytes !== undefined ? { mediaWriteLimitBytes: t.mediaWriteLimitBytes } : {}),
        onStun: (frame, connection) => manager?.handleTcpStun(frame, connection),
      }).catch(async (error: unknown) => {
        await mux.close();
        throw error;
      });
    }
    manager = new TransportManager(options, counters, mux, tcp);
    options.log.info('media transport listening', { udpPort: mux.port, tcpPort: tcp?.port, consentTimeoutMs: options.consentTimeoutMs });
    return manager;
  }

  /** The bound UDP port. */
  get port(): number {
    return this.#mux.port;
  }

  /** The bound ICE-TCP port; undefined when ICE-TCP is off. */
  get tcpPort(): number | undefined {
    return this.#tcp?.port;
  }

  /**
   * Creates the transport of a newly allocated endpoint (replacing one of the same ids); `batched`:
   * it asked for batched delivery (honoured when batchIntervalMs is set).
   */
  create(meetingId: string, endpointId: string, local: { readonly ufrag: string; readonly pwd: string }, opts: { readonly batched?: boolean } = {}): EndpointTransport {
    if (this.#closing !== undefined) throw new Error('transport manager closed');
    this.remove(meetingId, endpointId, 'replaced');
    // Ufrags are 8 random alphanumerics (48 bits); a collision is a bug in their source.
    if (this.#byUfrag.has(local.ufrag)) throw new Error('ICE ufrag collision');
    const log = this.#options.log.child({ meetingId, endpoint: endpointId });
    const t = new EndpointTransport({
      meetingId, endpointId, localUfrag: local.ufrag, localPwd: local.pwd, certificate: this.#options.certificate,
      counters: this.#counters, mux: this.#mux, clock: this.#options.clock, log,
      batches: opts.batched === true ? this.#batches : undefined,
    });
    this.#byUfrag.set(local.ufrag, t);
    let endpoints = this.#byMeeting.get(meetingId);
    if (endpoints === undefined) {
      endpoints = new Map();
      this.#byMeeting.set(meetingId, endpoints);
    }
    endpoints.set(endpointId, t);
    t.events.on('connected', () => {
      log.info('transport connected', { srtpProfile: t.srtpProfile, path: t.pathKind });
      this.events.emit('transportConnected', t);
    });
    t.events.on('expired', () => {
      log.info('transport expired', { reason: 'consent', timeoutMs: this.#options.consentTimeoutMs });
      this.events.emit('transportExpired', t);
    });
    t.events.on('failed', (reason) => {
      log.warn('transport failed', { reason });
      this.events.emit('transportFailed', t, reason);
    });
    t.events.on('closed', () => this.#forget(t));
    this.events.emit('transportCreated', t);
    return t;
  }

  /** The transport of an endpoint, if it has one. */
  get(meetingId: string, endpointId: string): EndpointTransport | undefined {
    return this.#byMeeting.get(meetingId)?.get(endpointId);
  }

  /** The endpoint's ICE credentials and fingerprints, relayed by the focus. */
  setRemoteParameters(meetingId: string, endpointId: string, remote: RemoteTransportParameters): void {
    this.get(meetingId, endpointId)?.setRemoteParameters(remote);
  }

  /** Closes and forgets one endpoint's transport (no-op if unknown). */
  remove(meetingId: string, endpointId: string, reason: string): void {
    this.get(meetingId, endpointId)?.close(reason);
  }

  /** Closes every transport of a conference. */
  removeConference(meetingId: string, reason: string): void {
    for (const t of [...(this.#byMeeting.get(meetingId)?.values() ?? [])]) t.close(reason);
  }

  /** A STUN datagram from the mux: parsed, then routed by the USERNAME's local ufrag. */
  handleStun(datagram: Buffer, address: string, port: number): void {
    const request = readBindingRequest(datagram);
    if (!request.ok) {
      this.#counters.dropped[request.error]++;
      return;
    }
    const t = this.#byUfrag.get(request.value.localUfrag);
    if (t === undefined) {
      this.#counters.dropped['stun-unknown-ufrag']++;
      return;
    }
    t.handleBindingRequest(request.value, datagram, address, port);
  }

  /**
   * A STUN frame from an ICE-TCP connection: routed like UDP. A valid check ties the connection to
   * its endpoint; on a connection that no valid check has tied yet, anything else closes it.
   */
  handleTcpStun(frame: Buffer, connection: IceTcpConnection): void {
    const request = readBindingRequest(frame);
    if (!request.ok) {
      this.#counters.dropped[request.error]++;
      connection.refuse(request.error);
      return;
    }
    const t = this.#byUfrag.get(request.value.localUfrag);
    if (t === undefined) {
      this.#counters.dropped['stun-unknown-ufrag']++;
      connection.refuse('unknown ufrag');
      return;
    }
    if (connection.owner !== undefined && connection.owner !== t) {
      this.#counters.dropped['tcp-check-other-endpoint']++;
      return;
    }
    if (t.handleTcpBindingRequest(request.value, frame, connection)) this.#tcp?.authenticate(connection, t);
    else connection.refuse('invalid check');
  }

  stats(): TransportStats {
    let connected = 0;
    for (const t of this.#byUfrag.values()) if (t.isConnected) connected++;
    return { endpoints: this.#byUfrag.size, connectedEndpoints: connected, counters: this.#counters };
  }

  /** Flat stats for GET /colibri/stats. */
  statsJson(): Record<string, number> {
    const s = this.stats();
    return {
      transport_endpoints: s.endpoints, transport_connected_endpoints: s.connectedEndpoints,
      transport_tcp_open_connections: this.#tcp?.openConnections ?? 0, transport_tcp_pending_connections: this.#tcp?.pendingConnections ?? 0,
      transport_batched_bursts: this.#batches?.bursts ?? 0,
      ...transportStatsJson(s.counters),
    };
  }

  /** Closes every transport and the socket (idempotent). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopSweep();
      for (const t of [...this.#byUfrag.values()]) t.close('bridge closing');
      this.#batches?.close();
      await Promise.all([this.#mux.close(), this.#tcp?.close()]);
    })();
    return this.#closing;
  }

  #sweep(): void {
    const now = this.#options.clock.now();
    const timeoutMs = this.#options.consentTimeoutMs;
    let due: EndpointTransport[] | undefined;
    for (const t of this.#byUfrag.values()) {
      if (t.checkConsent(now, timeoutMs) !== 'fresh') (due ??= []).push(t);
    }
    for (const t of due ?? []) {
      if (t.checkConsent(now, timeoutMs) === 'expired') t.expire();
      else t.fail('dtls-timeout');
    }
  }

  #forget(t: EndpointTransport): void {
    this.#tcp?.closeConnectionsOf(t);
    if (this.#byUfrag.get(t.localUfrag) === t) this.#byUfrag.delete(t.localUfrag);
    const endpoints = this.#byMeeting.get(t.meetingId);
    if (endpoints?.get(t.endpointId) === t) {
      endpoints.delete(t.endpointId);
      if (endpoints.size === 0) this.#byMeeting.delete(t.meetingId);
    }
  }
}
