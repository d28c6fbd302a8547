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

/** Everything the focus is configured with, as plain values. */
export type FocusSettings = {
  readonly conference: ConferenceSettings;
  readonly manager: ManagerSettings;
  readonly bridges: BridgeRegistryOptions;
  readonly breweryJid: string;
  readonly discoTimeoutMs: number;
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
  #isClosed = false;

  constructor(private readonly deps: FocusDeps) {
    const { log, clock, channel, settings } = deps;
    this.bridges = new BridgeRegistry({ log: log.child({ part: 'bridges' }), options: settings.bridges });
    this.#brewery = new Brewery({
      channel, registry: this.bridges, log: log.child({ part: 'brewery' }), clock, ids: deps.ids,
      focusJid: settings.conference.focusJid, breweryJid: settings.breweryJid, nick: settings.conference.focusNick,
    });
    this.conferences = new ConferenceManager({
      log, clock, ids: deps.ids, channel, bridgeControl: deps.bridgeControl, bridges: this.bridges,
      features: new FeatureCache({ channel, log: log.child({ part: 'features' }), from: settings.conference.focusJid, timeoutMs: settings.discoTimeoutMs, maxEntries: 1_000 }),
      tokens: new TokenBindings(),
      settings: settings.conference,
      tokenVerifier: deps.tokenVerifier,
      manager: settings.manager,
    });
    this.bridges.events.on('bridgeUp', () => this.conferences.onBridgeUp());
    this.bridges.events.on('bridgeDown', (id, reason) => this.conferences.onBridgeDown(id, reason));
    this.bridges.events.on('bridgeLeaving', (id, reason) => this.conferences.onBridgeLeaving(id, reason));
    this.#cancelSweep = clock.setInterval(() => this.bridges.sweep(clock.now()), SWEEP_INTERVAL_MS);
  }

  /** The XMPP connection is up (first time or again): enter the brewery. */
  online(): void {
    if (!this.#isClosed) this.#brewery.join();
  }

  /** The XMPP connection dropped: the server took the focus out of every room. */
  offline(): void {
    this.bridges.clear();
    void this.conferences.closeAll('xmpp connection lost');
  }

  /** Every inbound stanza that is not a reply to one of the focus's requests. */
  handleStanza(stanza: El): void {
    if (this.#isClosed) return;
    switch (stanza.name) {
      case 'presence':
        if (!this.#brewery.handlePresence(stanza)) this.conferences.routePresence(stanza);
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
    await this.conferences.closeAll('focus shutting down');
    this.#brewery.leave();
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
    if (isSet && payload.name === 'mute' && MUTE_NAMESPACES.has(ns)) {
      const occ = this.conferences.occupant(iq.attrs.from);
      if (occ === undefined) throw FocusError.forbidden('mute requests come from conference participants');
      handleMuteIq(occ.conf, occ.nick, payload);
      return undefined;
    }
    if (!isSet && payload.name === 'query' && ns === NS_DISCO_INFO && payload.attrs.node === undefined) {
      return encodeDiscoInfo({
        identities: [{ category: 'component', type: 'generic', name: 'Plenum conference focus' }],
        features: [NS_DISCO_INFO, NS_FOCUS, NS_PING, NS_JINGLE],
      });
    }
    if (!isSet && payload.name === 'ping' && ns === NS_PING) return undefined;
    throw FocusError.unsupported();
  }
}
