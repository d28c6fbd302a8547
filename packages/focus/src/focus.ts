// The focus: routes what arrives on its XMPP connection — conference requests to the manager,
// room presences and occupant IQs (Jingle, mute) to their conference, brewery presences to the
// bridge registry — and answers every IQ exactly once (xmpp/iq-answer.ts).
//
// Closing cascade: close() → every conference closes (see conference.ts) → the focus leaves the
// brewery → the health sweep stops. The XMPP connection is closed by its owner (start.ts).
import type { Cancel, Clock, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import {
  NS_DISCO_INFO, NS_FOCUS, NS_JINGLE, NS_MUTE_AUDIO, NS_MUTE_DESKTOP, NS_MUTE_VIDEO, encodeDiscoInfo, iqPayload,
} from '@plenum/xmpp/codec';
import type { BridgeControl, Ids, StanzaChannel, TokenVerifier } from './ports.ts';
import { FocusError } from './errors.ts';
import type { BridgeHealthCheckOptions } from './bridges/bridge-health-checker.ts';
import { BridgeHealthChecker } from './bridges/bridge-health-checker.ts';
import { BridgeRegistry } from './bridges/bridge-registry.ts';
import type { BridgeRegistryOptions } from './bridges/bridge-registry.ts';
import { Brewery } from './bridges/brewery.ts';
import { ConferenceManager } from './conference/conference-manager.ts';
import type { ManagerSettings } from './conference/conference-manager.ts';
import type { ConferenceSettings } from './conference/conference.ts';
import { handleJingleIq, handleMuteIq } from './conference/conference-iqs.ts';
import { TokenBindings } from './conference/identity.ts';
import { FeatureCache } from './jingle/feature-cache.ts';
import { answerIq } from './xmpp/iq-answer.ts';
import { NS_PLENUM_BRIDGE, handleEndpointLost } from './bridge-client/endpoint-lost.ts';
import { ConferenceState } from './conference/conference-state.ts';
import type { ConferenceStateSettings } from './conference/conference-state.ts';
import type { FocusStateStore } from './state/state-store.ts';
import { NS_JIBRI } from '@plenum/xmpp/codec';
import { RecorderPool } from './recording/recorder-pool.ts';
import type { RecorderSnapshot } from './recording/recorder-pool.ts';
import { RecordingService } from './recording/recording-service.ts';
import { NS_PLENUM_DIAL_IN, NS_RAYO } from '@plenum/xmpp/codec';
import { GatewayPool } from './dial/gateway-pool.ts';
import type { GatewaySnapshot } from './dial/gateway-pool.ts';
import { DialOutService } from './dial/dial-out.ts';
import { PinDirectory } from './dial/pin-directory.ts';
import type { PinDirectorySettings } from './dial/pin-directory.ts';
import type { PinStore } from './dial/pin-store.ts';
import { MemoryPinStore } from './dial/pin-store.ts';

/** Everything the focus is configured with, as plain values. */
export type FocusSettings = {
  readonly conference: ConferenceSettings;
  readonly manager: ManagerSettings;
  readonly bridges: BridgeRegistryOptions;
  /** Active bridge health checks; absent: presence only. */
  readonly bridgeHealthCheck?: BridgeHealthCheckOptions;
  readonly breweryJid: string;
  readonly discoTimeoutMs: number;
  /** Recording control (protocols.md §6); absent: jibri IQs are refused as unsupported. */
  readonly recording?: { readonly breweryJid: string; readonly requestTimeoutMs: number };
  /** Dial-out through SIP gateways of the jigasi brewery (protocols.md §7); absent: Rayo dial IQs are refused as unsupported. */
  readonly dialOut?: { readonly breweryJid: string; readonly requestTimeoutMs: number; readonly retries: number };
  /** Dial-in PINs (dial/pin-directory.ts); absent: conferences get none and dial-in IQs are refused as unsupported. */
  readonly dialIn?: PinDirectorySettings;
};

/** What the focus is built from. */
export type FocusDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly channel: StanzaChannel;
  readonly bridgeControl: BridgeControl;
  readonly tokenVerifier: TokenVerifier | undefined;
  readonly settings: FocusSettings;
  /**
   * Shared focus state (Redis, src/state/): conferences are leased, mirrored, taken over and
   * resumed. Undefined: everything in memory, as one focus.
   */
  readonly state?: { readonly store: FocusStateStore; readonly settings: ConferenceStateSettings } | undefined;
  /** Where dial-in PINs are kept (Redis with shared state); default: in memory. */
  readonly pinStore?: PinStore | undefined;
};

/** Numbers for tests and operators. */
export type FocusStats = {
  readonly conferences: number;
  readonly participants: number;
  readonly bridges: readonly { readonly id: string; readonly endpoints: number; readonly usable: boolean; readonly stress: number; readonly region?: string }[];
};

const NS_PING = 'urn:xmpp:ping';
const MUTE_NAMESPACES: ReadonlySet<string> = new Set([NS_MUTE_AUDIO, NS_MUTE_VIDEO, NS_MUTE_DESKTOP]);
const SWEEP_INTERVAL_MS = 5_000;

/** The conference focus. */
export class Focus {
  readonly bridges: BridgeRegistry;
  readonly conferences: ConferenceManager;
  readonly #brewery: Brewery;
  readonly #cancelSweep: Cancel;
  readonly #healthChecker: BridgeHealthChecker | undefined;
  readonly #recorders: RecorderPool | undefined;
  readonly #recording: RecordingService | undefined;
  readonly #state: ConferenceState | undefined;
  readonly #gateways: GatewayPool | undefined;
  readonly #dialOut: DialOutService | undefined;
  /** Dial-in PINs; undefined when dial-in is off. */
  readonly pins: PinDirectory | undefined;
  /** The recorders of the jibri brewery as this focus sees them (empty when recording is off). */
  get recorders(): RecorderSnapshot[] {
    return this.#recorders?.snapshot() ?? [];
  }

  /** The SIP gateways of the jigasi brewery as this focus sees them (empty when dial-out is off). */
  get sipGateways(): GatewaySnapshot[] {
    return this.#gateways?.snapshot() ?? [];
  }

  /** Waiting for the brewery roster (the focus's own presence comes last) before resuming conferences. */
  #resumeWhenBreweryJoined = false;
  #cancelResume: Cancel | undefined;
  #isClosed = false;

  constructor(private readonly deps: FocusDeps) {
    const { log, clock, channel, settings } = deps;
    this.bridges = new BridgeRegistry({ log: log.child({ part: 'bridges' }), options: settings.bridges });
    this.#brewery = new Brewery({
      channel, registry: this.bridges, log: log.child({ part: 'brewery' }), clock, ids: deps.ids,
      focusJid: settings.conference.focusJid, breweryJid: settings.breweryJid, nick: settings.conference.focusNick,
    });
    this.#state = deps.state === undefined ? undefined
      : new ConferenceState({ store: deps.state.store, log: log.child({ part: 'state' }), clock, settings: deps.state.settings });
    this.conferences = new ConferenceManager({
      state: this.#state,
      log, clock, ids: deps.ids, channel, bridgeControl: deps.bridgeControl, bridges: this.bridges,
      features: new FeatureCache({ channel, log: log.child({ part: 'features' }), from: settings.conference.focusJid, timeoutMs: settings.discoTimeoutMs, maxEntries: 1_000 }),
      tokens: new TokenBindings(),
      settings: settings.conference,
      tokenVerifier: deps.tokenVerifier,
      manager: settings.manager,
      onConferenceCreated: (conf) => this.pins?.track(conf),
      sipGatewayEnabled: () => this.#gateways?.hasSipGateway === true,
    });
    this.bridges.events.on('bridgeUp', () => this.conferences.onBridgeUp());
    this.bridges.events.on('bridgeDown', (id, reason) => this.conferences.onBridgeDown(id, reason));
    this.bridges.events.on('bridgeLeaving', (id, reason) => this.conferences.onBridgeLeaving(id, reason));
    if (settings.recording !== undefined) {
      const { focusJid, focusNick } = settings.conference;
      this.#recorders = new RecorderPool({ channel, log: log.child({ part: 'recorders' }), focusJid, breweryJid: settings.recording.breweryJid, nick: focusNick });
      this.#recording = new RecordingService({
        channel, clock, ids: deps.ids, log: log.child({ part: 'recording' }), pool: this.#recorders, focusJid, focusNick, requestTimeoutMs: settings.recording.requestTimeoutMs,
      });
    }
    const { focusJid, focusNick } = settings.conference;
    if (settings.dialOut !== undefined) {
      this.#gateways = new GatewayPool({ channel, log: log.child({ part: 'sip-gateways' }), focusJid, breweryJid: settings.dialOut.breweryJid, nick: focusNick });
      this.#dialOut = new DialOutService({
        channel, clock, ids: deps.ids, log: log.child({ part: 'dial-out' }), pool: this.#gateways, focusJid,
        requestTimeoutMs: settings.dialOut.requestTimeoutMs, retries: settings.dialOut.retries,
      });
    }
    this.pins = settings.dialIn === undefined ? undefined : new PinDirectory({
      store: deps.pinStore ?? new MemoryPinStore(), conferences: this.conferences, channel, clock, ids: deps.ids,
      log: log.child({ part: 'dial-in' }), focusJid, settings: settings.dialIn,
    });
    this.#cancelSweep = clock.setInterval(() => this.bridges.sweep(clock.now()), SWEEP_INTERVAL_MS);
    this.#healthChecker = settings.bridgeHealthCheck === undefined ? undefined : new BridgeHealthChecker({
      registry: this.bridges, channel, clock, log: log.child({ part: 'bridge-health' }), from: settings.conference.focusJid, options: settings.bridgeHealthCheck,
    });
    this.#healthChecker?.start();
  }

  /** The XMPP connection is up (first time or again): enter the brewery. */
  online(): void {
    if (this.#isClosed) return;
    this.#resumeWhenBreweryJoined = this.#state !== undefined;
    this.#brewery.join();
    this.#recorders?.join();
    this.#gateways?.join();
  }

  /** The XMPP connection dropped: the server took the focus out of every room. */
  offline(): void {
    this.#resumeWhenBreweryJoined = false;
    this.#cancelResume?.();
    this.bridges.clear();
    this.#recorders?.clear();
    this.#gateways?.clear();
    void this.conferences.closeAll('xmpp connection lost');
  }

  /** Every inbound stanza that is not a reply to one of the focus's requests. */
  handleStanza(stanza: El): void {
    if (this.#isClosed) return;
    switch (stanza.name) {
      case 'presence':
        if (this.#resumeWhenBreweryJoined && this.#isOwnBreweryPresence(stanza)) {
          this.#resumeWhenBreweryJoined = false;
          // After the brewery handled it: the bridges of the roster are known by then.
          queueMicrotask(() => void this.#resumeStored());
        }
        if (!this.#brewery.handlePresence(stanza) && this.#recorders?.handlePresence(stanza) !== true && this.#gateways?.handlePresence(stanza) !== true) {
          this.conferences.routePresence(stanza);
        }
        return;
      case 'iq':
        if (stanza.attrs.type === 'get' || stanza.attrs.type === 'set') void this.#answer(stanza);
        return;
      default:
        return;
    }
  }

  stats(): FocusStats {
    const all = this.conferences.all();
    return {
      conferences: all.length,
      participants: all.reduce((n, c) => n + c.participants.size, 0),
      bridges: this.bridges.snapshot(this.deps.clock.now()),
    };
  }

  /** Ends every conference and leaves the brewery; idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#cancelSweep();
    this.#healthChecker?.stop();
    await this.conferences.closeAll('focus shutting down');
    this.#state?.close();
    this.#cancelResume?.();
    this.#brewery.leave();
    this.#recorders?.leave();
    this.#gateways?.leave();
  }

  /** The brewery roster is in (bridges known): continue the stored conferences nobody runs. */
  async #resumeStored(): Promise<void> {
    if (this.#isClosed) return;
    const { resumed, held } = await this.conferences.resumeStored();
    if (resumed > 0) this.deps.log.info('stored conferences taken over', { conferences: resumed });
    // Leases of the instance that died run out shortly: look again until none is held.
    if (held > 0 && this.deps.state !== undefined) {
      this.#cancelResume?.();
      this.#cancelResume = this.deps.clock.setTimeout(() => void this.#resumeStored(), Math.max(100, Math.floor(this.deps.state.settings.leaseMs / 4)));
    }
  }

  #isOwnBreweryPresence(presence: El): boolean {
    const { breweryJid, conference } = this.deps.settings;
    return presence.attrs.type === undefined && presence.attrs.from === `${breweryJid}/${conference.focusNick}`;
  }

  #answer(iq: El): Promise<void> {
    return answerIq(iq, (reply) => this.deps.channel.send(reply), this.deps.log, () => this.#route(iq));
  }

  #route(iq: El): Promise<El | undefined> | El | undefined {
    const payload = iqPayload(iq);
    if (payload === undefined) throw FocusError.badRequest('an IQ needs exactly one payload');
    const ns = payload.attrs.xmlns ?? '';
    const isSet = iq.attrs.type === 'set';
    if (isSet && payload.name === 'conference' && ns === NS_FOCUS) return this.conferences.handleConferenceRequest(iq, payload);
    // A bridge lost an endpoint's media (bridge-client/endpoint-lost.ts): re-invite the participant.
    if (isSet && payload.name === 'endpoint-lost' && ns === NS_PLENUM_BRIDGE) return handleEndpointLost(this.conferences.all(), iq.attrs.from, payload);
    if (isSet && payload.name === 'jingle' && ns === NS_JINGLE) {
      const occ = this.conferences.occupant(iq.attrs.from);
      if (occ === undefined) throw FocusError.unknownSession('no conference for this address');
      handleJingleIq(occ.conf, occ.nick, payload);
      return undefined;
    }
    // Recording (recording/): a recorder's status report from the jibri brewery, or a participant's start/stop.
    if (isSet && payload.name === 'jibri' && ns === NS_JIBRI && this.#recording !== undefined && this.deps.settings.recording !== undefined) {
      const from = iq.attrs.from ?? '';
      if (from.startsWith(`${this.deps.settings.recording.breweryJid}/`)) return this.#recording.handleRecorderIq(from, payload);
      const occ = this.conferences.occupant(from);
      if (occ === undefined) throw FocusError.forbidden('recording is controlled by conference participants');
      return this.#recording.handleClientIq(occ.conf, occ.nick, payload);
    }
    // Dial-out (dial/dial-out.ts): a moderator's Rayo dial to the focus occupant.
    if (isSet && payload.name === 'dial' && ns === NS_RAYO && this.#dialOut !== undefined) {
      const occ = this.conferences.occupant(iq.attrs.from);
      if (occ === undefined) throw FocusError.forbidden('dial-out is for conference participants');
      return this.#dialOut.handleClientDial(occ.conf, occ.nick, payload);
    }
    // Dial-in PINs (dial/pin-directory.ts): a gateway's lookup by PIN, an occupant's by room.
    if (!isSet && payload.name === 'dial-in' && ns === NS_PLENUM_DIAL_IN && this.pins !== undefined) return this.pins.handleIq(iq.attrs.from, payload);
    if (isSet && payload.name === 'mute' && MUTE_NAMESPACES.has(ns)) {
      const occ = this.conferences.occupant(iq.attrs.from);
      if (occ === undefined) throw FocusError.forbidden('mute requests come from conference participants');
      handleMuteIq(occ.conf, occ.nick, payload);
      return undefined;
    }
    if (!isSet && payload.name === 'query' && ns === NS_DISCO_INFO && payload.attrs.node === undefined) {
      return encodeDiscoInfo({
        identities: [{ category: 'component', type: 'generic', name: 'Plenum conference focus' }],
        features: [NS_DISCO_INFO, NS_FOCUS, NS_PING, NS_JINGLE, ...(this.#dialOut !== undefined ? [NS_RAYO] : []), ...(this.pins !== undefined ? [NS_PLENUM_DIAL_IN] : [])],
      });
    }
    if (!isSet && payload.name === 'ping' && ns === NS_PING) return undefined;
    throw FocusError.unsupported();
  }
}
