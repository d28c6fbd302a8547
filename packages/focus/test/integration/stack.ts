// The integration stack: our XMPP server in-process, the focus connected to it as a component,
// fake bridges (components in the brewery that answer COLIBRI2 with a canned transport) and
// scripted participants (conference IQ → MUC join with caps → session-initiate → session-accept).
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type {
  BridgeStats, Colibri2ErrorReason, Colibri2MediaSource, ConferenceModify, El, EndpointSources, IceUdpTransport, Jingle,
} from '@plenum/xmpp/codec';
import {
  NS_COLIBRI2, NS_DISCO_INFO, NS_FOCUS, NS_JINGLE, NS_MUC, child, decodeConferenceModify, decodeJingle, el, encodeBridgeStats,
  encodeColibri2Error, encodeConferenceModified, encodeDiscoInfo, encodeJingle, errorReply, iqResult,
} from '@plenum/xmpp/codec';
import type { RunningFocus, StartFocusOptions } from '../../src/start.ts';
import { startFocus } from '../../src/start.ts';
import { capsVerification } from '../../src/jingle/feature-cache.ts';
import { Bot } from './xmpp-bot.ts';

export const DOMAIN = 'plenum.localhost';
export const MUC = 'conference.plenum.localhost';
export const BREWERY = 'jvbbrewery@internal.plenum.localhost';
export const FOCUS_DOMAIN = 'focus.plenum.localhost';

type Values = Record<string, unknown>;

function merge(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)
      ? merge(prev as Values, v as Values) : v;
  }
  return out;
}

/** Server, focus and the things tests add to them. */
export type Stack = {
  readonly server: RunningXmppServer;
  readonly focus: RunningFocus;
  readonly users: MemoryUserStore;
  readonly bots: Bot[];
  close(): Promise<void>;
};

/** Starts the XMPP server and the focus on free loopback ports. */
export async function startStack(opts: { readonly server?: Values; readonly focus?: Values; readonly tokenVerifier?: StartFocusOptions['tokenVerifier'] } = {}): Promise<Stack> {
  const users = new MemoryUserStore();
  const server = await startXmppServer({
    users,
    values: merge({
      tcp: { port: 0 }, http: { port: 0 },
      components: { port: 0, secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1'] },
      tls: { requireForPlain: false },
      log: { level: 'silent' },
    }, opts.server ?? {}),
  });
  const focus = await startFocus({
    ...(opts.tokenVerifier !== undefined ? { tokenVerifier: opts.tokenVerifier } : {}),
    values: merge({
      component: { port: server.componentPort, secret: 'f1' },
      jingle: { sourceSignalingDelayMs: 0, discoTimeoutMs: 2000 },
      log: { level: 'silent' },
    }, opts.focus ?? {}),
  });
  const bots: Bot[] = [];
  return {
    server, focus, users, bots,
    async close() {
      // The focus first: it still expires its conferences on the (fake) bridges.
      await focus.close();
      for (const b of bots) b.close();
      await server.close();
    },
  };
}

// ---- fake bridges -----------------------------------------------------------------------

/** A bridge's ICE/DTLS answer, recognisable by its ufrag. */
export const bridgeTransport = (bridgeId: string, endpointId: string): IceUdpTransport => ({
  ufrag: `u-${bridgeId}`,
  pwd: 'bridgepassword01234567',
  fingerprints: [{ hash: 'sha-256', setup: 'actpass', value: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89' }],
  candidates: [{ foundation: '1', component: 1, protocol: 'udp', priority: 2130706431, ip: '127.0.0.1', port: 10000, type: 'host', generation: 0, id: `c-${bridgeId}` }],
  rtcpMux: true,
  webSocketUrl: `wss://${DOMAIN}/colibri-ws/${bridgeId}/conf/${endpointId}?pwd=bridgepassword01234567`,
});

const FEEDBACK: readonly Colibri2MediaSource[] = [
  { type: 'audio', id: 'jvb-a0', sources: [{ ssrc: 411, name: 'jvb-a0', msid: 'mixedmslabel mixedlabelaudio0', parameters: [] }], sourceGroups: [] },
  { type: 'video', id: 'jvb-v0', sources: [{ ssrc: 412, name: 'jvb-v0', msid: 'mixedmslabel mixedlabelvideo0', parameters: [] }], sourceGroups: [] },
];

/** A component in the brewery that answers conference-modify like a bridge. */
export class FakeBridge {
  readonly requests: ConferenceModify[] = [];
  /** The next request gets this COLIBRI2 error. */
  failNext: Colibri2ErrorReason | undefined;
  #stats: BridgeStats;

  private constructor(readonly bot: Bot, readonly id: string, stats: Partial<BridgeStats>) {
    this.#stats = { stressLevel: 0.1, gracefulShutdown: false, shuttingDown: false, drain: false, healthy: true, raw: {}, ...stats };
    bot.handlers.push((e) => this.#onIq(e));
  }

  static async start(stack: Stack, id: string, stats: Partial<BridgeStats> = {}): Promise<FakeBridge> {
    const bot = await Bot.connect(stack.server.componentPort, { kind: 'component', domain: `${id}.bridge.plenum.localhost`, secret: 'b1' });
    stack.bots.push(bot);
    const bridge = new FakeBridge(bot, id, stats);
    bridge.publish({});
    await bot.next((e) => e.name === 'presence' && e.attrs.from === `${BREWERY}/${id}`, 5000, 'brewery self-presence');
    return bridge;
  }

  get occupantJid(): string {
    return `${BREWERY}/${this.id}`;
  }

  /** Publishes (changed) stats in the brewery, as a bridge does every few seconds. */
  publish(stats: Partial<BridgeStats>): void {
    this.#stats = { ...this.#stats, ...stats };
    this.bot.send(el('presence', { from: `${this.bot.jid}/bridge`, to: this.occupantJid }, el('x', { xmlns: NS_MUC }), encodeBridgeStats(this.#stats)));
  }

  /** Leaves the brewery. */
  leave(): void {
    this.bot.send(el('presence', { from: `${this.bot.jid}/bridge`, to: this.occupantJid, type: 'unavailable' }));
  }

  /** Conference-modify requests for a room. */
  requestsFor(roomJid: string): ConferenceModify[] {
    return this.requests.filter((r) => r.name === roomJid);
  }

  /** Resolves when a request matching `match` has arrived. */
  async waitFor(match: (m: ConferenceModify) => boolean, what: string, timeoutMs = 5000): Promise<ConferenceModify> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`bridge ${this.id}: no ${what}; got ${JSON.stringify(this.requests.map((r) => ({ name: r.name, create: r.create, expire: r.expire, eps: r.endpoints.map((e) => e.id) })))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #onIq(e: El): boolean {
    const payload = child(e, 'conference-modify', NS_COLIBRI2);
    if (e.name !== 'iq' || e.attrs.type !== 'set' || payload === undefined) return false;
    const decoded = decodeConferenceModify(payload);
    if (!decoded.ok) {
      this.bot.send(errorReply(e, { type: 'modify', condition: 'bad-request', text: decoded.error.text }));
      return true;
    }
    const m = decoded.value;
    this.requests.push(m);
    if (this.failNext !== undefined) {
      const reason = this.failNext;
      this.failNext = undefined;
      this.bot.send(errorReply(e, { type: 'cancel', condition: 'service-unavailable' }, [encodeColibri2Error(reason)]));
      return true;
    }
    const endpoints = m.endpoints.filter((x) => x.create === true).map((x) => ({
      id: x.id, media: [], capabilities: [],
      transport: { iceUdp: bridgeTransport(this.id, x.id), ...(x.transport?.sctp !== undefined ? { sctp: { port: 5000, role: 'server' as const } } : {}) },
    }));
    this.bot.send(iqResult(e, encodeConferenceModified({ endpoints, ...(m.create === true ? { sources: FEEDBACK } : {}) })));
    return true;
  }
}

// ---- participants -----------------------------------------------------------------------

// The client shapes shared with the other stacks' tests.
export { clientFeatures, cameraSources, screenSources } from '@plenum/testkit';
import { clientFeatures } from '@plenum/testkit';

/** Sources as session-accept / source-add contents (XEP-0339, as lib-jitsi-meet sends them). */
function sourceContents(s: EndpointSources, withTransport: boolean): Jingle['contents'] {
  const transport: IceUdpTransport = {
    ufrag: 'clientufrag', pwd: 'clientpassword0123456789',
    fingerprints: [{ hash: 'sha-256', setup: 'active', value: '11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF' }],
    candidates: [], rtcpMux: true,
  };
  const desc = (media: 'audio' | 'video') => ({
    media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: withTransport,
    sources: media === 'audio' ? s.audio : s.video, sourceGroups: media === 'audio' ? s.audioGroups : s.videoGroups,
  });
  return (['audio', 'video'] as const).map((media) => ({
    name: media, creator: 'initiator' as const, senders: 'both' as const, description: desc(media), ...(withTransport ? { transport } : {}),
  }));
}

/** A scripted conference participant. */
export class Participant {
  readonly nick: string;

  private constructor(readonly bot: Bot, readonly room: string, readonly features: readonly string[]) {
    // Our server binds UUID nodes for guests; their first 8 hex characters are the endpoint id (protocols.md §12).
    const local = bot.jid.split('@')[0] ?? '';
    this.nick = /^[0-9a-f]{8}/.test(local) ? local.slice(0, 8) : `${local}`.slice(0, 16);
    bot.handlers.push((e) => this.#autoAnswer(e));
  }

  /** Logs in (guest unless told otherwise); does not ask for a conference yet. */
  static async connect(stack: Stack, room: string, opts: { readonly json?: boolean; readonly user?: string; readonly password?: string; readonly domain?: string } = {}): Promise<Participant> {
    const domain = opts.domain ?? DOMAIN;
    const bot = await Bot.connect(stack.server.tcpPort, opts.user !== undefined
      ? { kind: 'plain', domain, user: opts.user, password: opts.password ?? '' }
      : { kind: 'anonymous', domain });
    stack.bots.push(bot);
    return new Participant(bot, room, clientFeatures(opts.json ?? false));
  }

  /** connect + conference request (must be ready) + MUC join. */
  static async join(stack: Stack, room: string, opts: Parameters<typeof Participant.connect>[2] & { readonly region?: string } = {}): Promise<Participant> {
    const p = await Participant.connect(stack, room, opts);
    const reply = await p.requestConference();
    if (reply.attrs.type !== 'result') throw new Error(`conference request refused: ${JSON.stringify(reply)}`);
    await p.enterRoom(opts.region);
    return p;
  }

  get roomJid(): string {
    return `${this.room}@${MUC}`;
  }

  get occupantJid(): string {
    return `${this.roomJid}/${this.nick}`;
  }

  get focusOccupant(): string {
    return `${this.roomJid}/focus`;
  }

  /** The conference IQ (protocols.md §1.1). */
  requestConference(extra: { readonly token?: string; readonly properties?: Record<string, string>; readonly room?: string } = {}): Promise<El> {
    return this.bot.request(el('iq', { type: 'set', to: FOCUS_DOMAIN },
      el('conference', { xmlns: NS_FOCUS, room: extra.room ?? this.roomJid, 'machine-uid': 'test', token: extra.token },
        el('property', { name: 'visitors-version', value: '1' }),
        Object.entries(extra.properties ?? {}).map(([name, value]) => el('property', { name, value })))));
  }

  /** MUC join with caps, region and an empty SourceInfo, as lib-jitsi-meet does (plus `<features>` as recorders and gateways send); resolves on the self-presence. */
  async enterRoom(region?: string, presenceFeatures: readonly string[] = []): Promise<El> {
    const ver = capsVerification(this.#discoQuery());
    this.bot.send(el('presence', { to: this.occupantJid },
      el('x', { xmlns: NS_MUC }),
      el('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://jitsi.org/jitsi-meet', ver }),
      el('SourceInfo', {}, '{}'),
      presenceFeatures.length > 0 ? el('features', {}, presenceFeatures.map((f) => el('feature', { var: f }))) : undefined,
      region !== undefined ? el('jitsi_participant_region', {}, region) : undefined));
    return this.bot.next((e) => e.name === 'presence' && e.attrs.from === this.occupantJid, 5000, 'self-presence');
  }

  /** The next Jingle IQ from the focus with this action. */
  async nextJingle(action: string, timeoutMs = 5000): Promise<Jingle> {
    const iq = await this.bot.next((e) => e.name === 'iq' && e.attrs.from === this.focusOccupant && child(e, 'jingle', NS_JINGLE)?.attrs.action === action,
      timeoutMs, `jingle ${action}`);
    const decoded = decodeJingle(child(iq, 'jingle', NS_JINGLE) as El);
    if (!decoded.ok) throw new Error(`focus sent malformed jingle: ${decoded.error.text}`);
    return decoded.value;
  }

  /** Answers an offer with these sources. */
  accept(offer: Jingle, sources: EndpointSources): Promise<El> {
    return this.#jingle({
      action: 'session-accept', sid: offer.sid, responder: this.bot.jid,
      contents: sourceContents(sources, true), groups: [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }],
    });
  }

  sourceAdd(sid: string, sources: EndpointSources): Promise<El> {
    return this.#jingle({ action: 'source-add', sid, contents: sourceContents(sources, false), groups: [] });
  }

  sourceRemove(sid: string, sources: EndpointSources): Promise<El> {
    return this.#jingle({ action: 'source-remove', sid, contents: sourceContents(sources, false), groups: [] });
  }

  /** session-terminate asking for a fresh session (protocols.md §12, ICE failure). */
  restart(offer: Jingle): Promise<El> {
    return this.#jingle({
      action: 'session-terminate', sid: offer.sid, contents: [], groups: [],
      reason: { condition: 'connectivity-error', text: 'ICE FAILED' },
      bridgeSession: { id: offer.bridgeSession?.id ?? '', restart: true },
    });
  }

  /** A mute IQ to the focus's occupant JID (protocols.md §8.5). */
  mute(media: 'audio' | 'video' | 'desktop', target: Participant, mute: boolean): Promise<El> {
    return this.bot.request(el('iq', { type: 'set', to: this.focusOccupant },
      el('mute', { xmlns: `http://jitsi.org/jitmeet/${media}`, jid: target.occupantJid }, String(mute))));
  }

  /** Leaves the room (no session-terminate, like lib-jitsi-meet). */
  leave(): void {
    this.bot.send(el('presence', { to: this.occupantJid, type: 'unavailable' }));
  }

  #jingle(j: Jingle): Promise<El> {
    return this.bot.request(el('iq', { type: 'set', to: this.focusOccupant }, encodeJingle(j)));
  }

  #discoQuery(): El {
    return encodeDiscoInfo({ identities: [{ category: 'client', type: 'web', name: 'Plenum test' }], features: [...this.features] });
  }

  /** Answers disco#info from the room and acks Jingle and mute IQs at once (they stay in the inbox for the test). */
  #autoAnswer(e: El): boolean {
    if (e.name !== 'iq' || (e.attrs.type !== 'get' && e.attrs.type !== 'set')) return false;
    if (e.attrs.type === 'get' && child(e, 'query', NS_DISCO_INFO) !== undefined) {
      this.bot.send(iqResult(e, this.#discoQuery()));
      return true;
    }
    if (child(e, 'jingle', NS_JINGLE) !== undefined || child(e, 'mute') !== undefined) this.bot.send(iqResult(e));
    return false;
  }
}
