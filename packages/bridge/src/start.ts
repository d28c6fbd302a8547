// Wires the bridge: XMPP component link → brewery membership → COLIBRI2 handler → conference
// registry, the media transport (one UDP socket: ICE-lite, DTLS-SRTP) driven by the registry's
// endpoint events, plus stats and the HTTP endpoints. Used by main.ts, the all-in-one process and
// the integration tests.
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock, Logger } from '@plenum/kit';
import { silentLogger, systemClock, TypedEmitter } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import { createPinoLogger } from '@plenum/kit/node';
import type { BridgeStats, El } from '@plenum/xmpp/codec';
import { CAPABILITY_BATCHED_DELIVERY, iqPayload, parseJid } from '@plenum/xmpp/codec';
import type { BridgeConfig } from './config.ts';
import { loadBridgeConfig } from './config.ts';
import { ConferenceRegistry } from './conference/conference-registry.ts';
import type { ConferenceEvent } from './conference/apply-modify.ts';
import { expireIdleConferences, expireLostEndpoint } from './conference/apply-modify.ts';
import type { IqOutcome } from './control/control-iq.ts';
import { handleControlIq } from './control/control-iq.ts';
import { BreweryMember } from './brewery/brewery-member.ts';
import { BreweryRoster } from './brewery/brewery-roster.ts';
import { ComponentLink } from './xmpp/component-link.ts';
import { computeBridgeStats, statsJson } from './stats/bridge-load.ts';
import { startHttpServer } from './http/http-server.ts';
import { bridgeMetricFamilies } from './stats/bridge-metrics.ts';
import { renderPrometheus } from './stats/prometheus.ts';
import { RateMeter } from './stats/rate-meter.ts';
import { StressMeter } from './stats/stress-meter.ts';
import { endpointLostIq } from './control/endpoint-lost-notice.ts';
import type { DtlsCertificate } from './transport/dtls-certificate.ts';
import { createDtlsCertificate } from './transport/dtls-certificate.ts';
import { installNativeDtlsCurves } from './transport/dtls-native-curves.ts';
import type { LocalTransportConfig } from './transport/local-transport.ts';
import { newLocalTransport } from './transport/local-transport.ts';
import { MediaSignalling } from './channel/media-signalling.ts';
import { registryDirectory } from './channel/registry-directory.ts';
import { BridgeDataChannels } from './channel/bridge-data-channels.ts';
import type { AudioLevelSource } from './speaker/speech-activity.ts';
import { TransportManager } from './transport/transport-manager.ts';
import { ForwardingLoop } from './forwarding/forwarding-loop.ts';
import { DEFAULT_REPORT_INTERVAL_MS } from './forwarding/rtcp-reports.ts';
import { DEFAULT_FEEDBACK_INTERVAL_MS } from './forwarding/transport-feedback.ts';

/** Published as `version` in stats. */
export const BRIDGE_VERSION = '0.1.0';

/** Options of startBridge: a ready config, or the sources to load one from. */
export type StartBridgeOptions = ConfigSources & {
  readonly config?: BridgeConfig;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Extra audio levels for dominant-speaker detection (tests inject a fake; the forwarding layer calls `signalling.handleAudioLevel`). */
  readonly audioLevels?: AudioLevelSource;
  /**
   * Process CPU used so far, µs (user + system), for the CPU stress term. main.ts passes
   * process.cpuUsage; unset (the all-in-one process, tests) the term is 0, because the process's CPU
   * is not the bridge's alone there.
   */
  readonly processCpuMicros?: () => number;
};

/** What observers (the all-in-one process, tests) can listen to. */
export type BridgeEvents = {
  xmppOnline: [];
  xmppOffline: [];
  breweryJoined: [];
  breweryLeft: [];
  statsPublished: [BridgeStats];
  conferenceCreated: [meetingId: string];
  conferenceExpired: [meetingId: string, reason: string];
  endpointCreated: [meetingId: string, endpointId: string];
  endpointExpired: [meetingId: string, endpointId: string];
  /** Graceful shutdown is on and the last conference ended: the process may exit. */
  gracefulShutdownComplete: [];
};

/** What the media plane's other layers (and tests) see of the transports: the per-endpoint objects and their events. */
export type MediaTransports = Pick<TransportManager, 'events' | 'get' | 'stats' | 'port' | 'tcpPort'>;

/** A running bridge. */
export type RunningBridge = {
  readonly id: string;
  /** The XEP-0114 component domain. */
  readonly domain: string;
  /** The full JID the bridge joins the brewery from. */
  readonly jid: string;
  readonly nickname: string;
  /** brewery/nickname: where the focus sends COLIBRI2. */
  readonly occupantJid: string;
  readonly httpPort: number;
  /** The bound media UDP port (advertised in every transport's host candidate). */
  readonly udpPort: number;
  /** Every endpoint's transport: `transports.get(meetingId, endpointId)`, `transports.events`. */
  readonly transports: MediaTransports;
  /** The DTLS key and certificate whose fingerprint every transport advertises. */
  readonly certificate: DtlsCertificate;
  readonly events: TypedEmitter<BridgeEvents>;
  stats(): BridgeStats;
  isHealthy(): boolean;
  /** Drain: the focus prefers other bridges; existing and new conferences still work. */
  setDrain(isOn: boolean): void;
  /** Graceful shutdown: new conferences are refused with GRACEFUL_SHUTDOWN; gracefulShutdownComplete fires when none is left. */
  setGracefulShutdown(isOn: boolean): void;
  /**
   * Takes an HTTP upgrade for `/colibri-ws/…` (accepted, or refused with 403/404 as on the bridge's
   * own port) and returns true; false for any other path. For a web server in front of the bridge
   * on the same origin (the all-in-one process).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Publishes shutting_down, leaves the brewery, disconnects, stops HTTP. Idempotent. */
  close(): Promise<void>;
};

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomText = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');
const randomSsrc = (): number => randomInt(1, 0xffff_ffff);

/** Starts the bridge: HTTP listens before this resolves; XMPP connects (and reconnects) in the background. */
export async function startBridge(opts: StartBridgeOptions = {}): Promise<RunningBridge> {
  const config = opts.config ?? loadBridgeConfig(opts);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'bridge' }));
  const id = config.id ?? randomBytes(4).toString('hex');
  const domain = config.xmpp.domain ?? `jvb-${id}.${config.xmpp.domainSuffix}`;
  const nickname = config.xmpp.nickname ?? `jvb-${id}`;
  const jid = `jvb@${domain}/${nickname}`;
  const events = new TypedEmitter<BridgeEvents>(log);
  const registry = new ConferenceRegistry();
  const certificate = createDtlsCertificate(clock.now());
  // werift-dtls's pure-JS curves cost half of each handshake's CPU on this event loop; throws at start if werift moved them.
  installNativeDtlsCurves();
  const flags = { drain: config.drain, gracefulShutdown: config.gracefulShutdown, shuttingDown: false };
  // Health needs the link and the brewery, which need the handler: late-bound through these.
  let isHealthy = (): boolean => false;
  let publishNow = (): void => undefined;

  // Packet rate and CPU over the last few seconds, sampled with the traffic rates below.
  const stressMeter = new StressMeter({
    capacityPacketsPerSecond: config.stress.capacityPacketsPerSecond, cpuThreshold: config.stress.cpuThresholdPercent / 100,
    windowMs: config.stress.windowMs, maxEndpoints: config.maxEndpoints,
  }, Math.ceil(config.stress.windowMs / 1000) + 2);
  const stats = (): BridgeStats => computeBridgeStats({
    conferences: registry.conferenceCount, endpoints: registry.endpointCount, largestConference: registry.largestConference,
    conferencesCreated: registry.totals.conferencesCreated, endpointsCreated: registry.totals.endpointsCreated,
    stress: stressMeter.read(registry.endpointCount), version: BRIDGE_VERSION, region: config.region, relayId: config.relayId,
    drain: flags.drain, gracefulShutdown: flags.gracefulShutdown, shuttingDown: flags.shuttingDown, healthy: isHealthy(),
  });

  // The bridge channel (/colibri-ws/), dominant speaker and last-N (holds no socket until an upgrade arrives).
  const signalling = new MediaSignalling({
    log: log.child({ part: 'channel' }), clock, bridgeId: id, version: BRIDGE_VERSION, directory: registryDirectory(registry),
    ...(opts.audioLevels !== undefined ? { audioLevels: opts.audioLevels } : {}),
  });
  const media = await TransportManager.start({
    log: log.child({ part: 'transport' }), clock, certificate, host: config.udp.host, port: config.public.udpPort,
    consentTimeoutMs: config.ice.consentTimeoutMs, batchIntervalMs: config.udp.batchIntervalMs,
    tcp: config.tcp.enabled
      ? { host: config.tcp.host, port: config.public.tcpPort, authTimeoutMs: config.tcp.authTimeoutMs, maxPendingConnections: config.tcp.maxPendingConnections }
      : undefined,
  });
  // The bridge channel as an SCTP data channel, for endpoints whose allocation asked for <sctp/>.
  const dataChannels = new BridgeDataChannels({
    log: log.child({ part: 'sctp' }), channel: signalling.channel,
    limits: { maxChannels: config.sctp.maxChannels, maxMessageBytes: config.sctp.maxMessageBytes },
  });
  media.events.on('transportCreated', (t) => {
    if (registry.get(t.meetingId)?.endpoints.get(t.endpointId)?.hasSctp === true) dataChannels.serve(t);
  });
  // RTP from each endpoint to the others of its conference (tables rebuilt after each COLIBRI2 change).
  const forwarding = new ForwardingLoop({
    log: log.child({ part: 'forwarding' }), clock, registry, transports: media, signalling, randomSequence: () => randomInt(0x10000),
    rtcpSsrc: randomSsrc(), cname: `plenum-${id}`, reportIntervalMs: DEFAULT_REPORT_INTERVAL_MS, feedbackIntervalMs: DEFAULT_FEEDBACK_INTERVAL_MS,
    bwe: { startBps: config.bwe.initialBps, minBps: config.bwe.minBps, maxBps: config.bwe.maxBps },
  });
  // Packet and bit rates for /metrics, over the last second (RTP in, RTP out, bytes in, bytes out).
  const rates = new RateMeter(4);
  const sampleRates = (): void => {
    const c = media.stats().counters;
    rates.sample(clock.now(), [c.rtpPacketsReceived, c.rtpPacketsSent, c.bytesReceived, c.bytesSent]);
    stressMeter.sample(clock.now(), c.rtpPacketsReceived + c.rtpPacketsSent, opts.processCpuMicros?.() ?? 0);
  };
  sampleRates();
  const stopRates = clock.setInterval(sampleRates, 1000);
  const metrics = (): string => {
    const load = stats();
    const transport = media.stats();
    const reports = forwarding.reports;
    const summary = reports.summary();
    return renderPrometheus(bridgeMetricFamilies({
      load, stress: stressMeter.read(registry.endpointCount), conferencesCreated: registry.totals.conferencesCreated, endpointsCreated: registry.totals.endpointsCreated,
      transport: { endpoints: transport.endpoints, connectedEndpoints: transport.connectedEndpoints, counters: transport.counters },
      forwarding: forwarding.counters(),
      reports: {
        counters: reports.counters(), incomingLoss: summary.incomingLoss, outgoingLoss: summary.outgoingLoss,
        rttSeconds: (summary.rttMs ?? 0) / 1000,
      },
      rates: { packetsIn: rates.rate(0), packetsOut: rates.rate(1), bitsIn: rates.rate(2) * 8, bitsOut: rates.rate(3) * 8 },
      channel: signalling.statsJson(),
    }));
  };
  const http = await startHttpServer(config.http.host, config.http.port, {
    stats: () => ({ ...statsJson(stats()), ...media.statsJson(), ...signalling.statsJson(), ...dataChannels.statsJson(), ...forwarding.statsJson() }),
    metrics,
    health: () => (isHealthy() ? { isHealthy: true } : { isHealthy: false, reason: flags.shuttingDown ? 'shutting down' : 'not connected to XMPP or not in the brewery' }),
    upgrade: (req, socket, head) => signalling.handleUpgrade(req, socket, head),
  }).catch(async (error: unknown) => {
    stopRates();
    forwarding.close();
    await media.close();
    throw error;
  });
  const transportConfig: LocalTransportConfig = {
    bridgeId: id, publicAddress: config.public.address, udpPort: media.port, tcpPort: media.tcpPort,
    webSocketBaseUrl: config.public.webSocketBaseUrl ?? `ws://${config.http.host}:${http.port}`,
    fingerprint: { hash: certificate.hash, value: certificate.fingerprint },
  };

  const confLog = log.child({ part: 'conference' });
  // Who allocated each conference (the `from` of its first successful conference-modify): where the
  // endpoint-lost notice goes. Late-bound: the link and roster are made below.
  const focusOf = new Map<string, string>();
  let tellFocus = (_meetingId: string, _endpointId: string, _reason: string): void => undefined;
  // Endpoints reported inactive to the others: when the re-invited endpoint connects, they hear it is back.
  const lostEndpoints = new Set<string>();
  const onConferenceEvents = (list: readonly ConferenceEvent[]): void => {
    for (const e of list) {
      switch (e.kind) {
        case 'conference-created':
          confLog.info('conference created', { meetingId: e.meetingId });
          events.emit('conferenceCreated', e.meetingId);
          break;
        case 'conference-expired':
          confLog.info('conference expired', { meetingId: e.meetingId, reason: e.reason });
          focusOf.delete(e.meetingId);
          for (const key of lostEndpoints) if (key.startsWith(`${e.meetingId}\n`)) lostEndpoints.delete(key);
          media.removeConference(e.meetingId, 'conference expired');
          signalling.conferenceExpired(e.meetingId);
          forwarding.conferenceExpired(e.meetingId);
          events.emit('conferenceExpired', e.meetingId, e.reason);
          break;
        case 'endpoint-created': {
          confLog.info('endpoint created', { meetingId: e.meetingId, endpoint: e.endpointId });
          const endpoint = registry.get(e.meetingId)?.endpoints.get(e.endpointId);
          const local = endpoint?.localTransport;
          if (local?.ufrag !== undefined && local.pwd !== undefined) {
            media.create(e.meetingId, e.endpointId, { ufrag: local.ufrag, pwd: local.pwd }, { batched: endpoint?.capabilities.includes(CAPABILITY_BATCHED_DELIVERY) === true });
          }
          events.emit('endpointCreated', e.meetingId, e.endpointId);
          break;
        }
        case 'endpoint-expired':
          confLog.info('endpoint expired', { meetingId: e.meetingId, endpoint: e.endpointId, ...(e.reason !== undefined ? { reason: e.reason } : {}) });
          media.remove(e.meetingId, e.endpointId, e.reason ?? 'expired');
          // The media plane lost it (the focus did not expire it): the others see it inactive, and the
          // focus is told so that it can re-invite the participant (control/endpoint-lost-notice.ts).
          if (e.reason !== undefined) {
            lostEndpoints.add(`${e.meetingId}\n${e.endpointId}`);
            signalling.endpointConnectivityChanged(e.meetingId, e.endpointId, false);
            tellFocus(e.meetingId, e.endpointId, e.reason);
          }
          signalling.endpointExpired(e.meetingId, e.endpointId);
          forwarding.conferenceUpdated(e.meetingId);
          events.emit('endpointExpired', e.meetingId, e.endpointId);
          break;
        case 'endpoint-transport-updated':
          media.setRemoteParameters(e.meetingId, e.endpointId, { ufrag: e.transport.ufrag, pwd: e.transport.pwd, fingerprints: e.transport.fingerprints });
          break;
      }
    }
    if (list.length > 0 && flags.gracefulShutdown && registry.conferenceCount === 0) events.emit('gracefulShutdownComplete');
  };

  media.events.on('transportConnected', (t) => {
    if (lostEndpoints.delete(`${t.meetingId}\n${t.endpointId}`)) signalling.endpointConnectivityChanged(t.meetingId, t.endpointId, true);
  });
  media.events.on('transportExpired', (t) => onConferenceEvents(expireLostEndpoint(registry, t.meetingId, t.endpointId, 'consent-expired')));
  media.events.on('transportFailed', (t) => onConferenceEvents(expireLostEndpoint(registry, t.meetingId, t.endpointId, 'transport-failed')));

  // Sources can change in any conference-modify (no event says so): last-N recomputes after each success.
  const afterControlIq = (iq: El, outcome: IqOutcome): IqOutcome => {
    const meetingId = iqPayload(iq)?.attrs['meeting-id'];
    if (outcome.kind === 'result' && meetingId !== undefined) {
      if (!focusOf.has(meetingId) && iq.attrs.from !== undefined && registry.get(meetingId) !== undefined) focusOf.set(meetingId, iq.attrs.from);
      signalling.conferenceUpdated(meetingId);
      forwarding.conferenceUpdated(meetingId);
    }
    return outcome;
  };
  const room = config.xmpp.breweryJid.toLowerCase();
  const roster = new BreweryRoster(room, nickname);
  const link = new ComponentLink({
    log: log.child({ part: 'xmpp' }), clock, host: config.xmpp.host, port: config.xmpp.port, domain,
    secret: config.xmpp.secret ?? '', reconnectDelayMs: config.xmpp.reconnectDelayMs,
    handleIq: (iq) => afterControlIq(iq, handleControlIq(iq, {
      log: log.child({ part: 'control' }), roster, registry,
      focusAllowed: config.xmpp.focusAllowed, isHealthy: () => isHealthy(), onConferenceEvents,
      modifyContext: () => ({
        nowMs: clock.now(), maxEndpoints: config.maxEndpoints, isAcceptingConferences: !flags.gracefulShutdown && !flags.shuttingDown,
        newTransport: (meetingId, endpointId) => newLocalTransport(transportConfig, randomText, meetingId, endpointId),
        newSsrc: randomSsrc,
      }),
    })),
  });
  const member = new BreweryMember({
    log: log.child({ part: 'brewery' }), clock, link, room, nick: nickname, ownJid: jid, roster,
    statsIntervalMs: config.statsIntervalMs, rejoinDelayMs: config.xmpp.reconnectDelayMs, stats,
  });
  isHealthy = () => link.isOnline && member.isJoined && !flags.shuttingDown;
  tellFocus = (meetingId, endpointId, reason) => {
    const focus = focusOf.get(meetingId);
    if (focus === undefined) return;
    const parsed = parseJid(focus);
    // Through the brewery (from our occupant's real JID) when the focus spoke from there.
    const from = parsed.ok && roster.nickOf(parsed.value) !== undefined ? jid : domain;
    link.send(endpointLostIq(from, focus, `lost-${randomText(8)}`, { meetingId, endpointId, reason }));
    confLog.info('focus told endpoint lost', { meetingId, endpoint: endpointId, reason });
  };
  publishNow = () => member.publishNow();
  link.events.on('online', () => events.emit('xmppOnline'));
  link.events.on('offline', () => events.emit('xmppOffline'));
  member.events.on('joined', () => events.emit('breweryJoined'));
  member.events.on('left', () => events.emit('breweryLeft'));
  member.events.on('statsPublished', (s) => events.emit('statsPublished', s));
  const stopSweep = clock.setInterval(() => onConferenceEvents(expireIdleConferences(registry, clock.now(), config.emptyConferenceTimeoutMs)), config.statsIntervalMs);

  log.info('bridge starting', { id, domain, nickname, brewery: config.xmpp.breweryJid, httpPort: http.port, udpPort: media.port, maxEndpoints: config.maxEndpoints });
  link.start();

  let closing: Promise<void> | undefined;
  return {
    id, domain, jid, nickname, occupantJid: member.occupantJid, httpPort: http.port, udpPort: media.port, transports: media, certificate, events,
    stats,
    isHealthy: () => isHealthy(),
    handleUpgrade: (req, socket, head) => signalling.handleUpgrade(req, socket, head),
    setDrain(isOn) {
      if (flags.drain === isOn) return;
      flags.drain = isOn;
      log.info('drain changed', { drain: isOn });
      publishNow();
    },
    setGracefulShutdown(isOn) {
      if (flags.gracefulShutdown === isOn) return;
      flags.gracefulShutdown = isOn;
      log.info('graceful shutdown changed', { gracefulShutdown: isOn, conferences: registry.conferenceCount });
      publishNow();
      if (isOn && registry.conferenceCount === 0) events.emit('gracefulShutdownComplete');
    },
    close() {
      closing ??= (async () => {
        flags.shuttingDown = true;
        log.info('bridge stopping', { conferences: registry.conferenceCount, endpoints: registry.endpointCount });
        stopSweep();
        stopRates();
        publishNow();
        member.close();
        await link.close();
        forwarding.close();
        await media.close();
        await signalling.close();
        await http.close();
      })();
      return closing;
    },
  };
}
