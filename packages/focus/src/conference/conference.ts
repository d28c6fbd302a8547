// One conference (Jicofo's JitsiMeetConferenceImpl): the focus joins and configures the room,
// watches its occupants, elects moderators, places the conference on a bridge, drives each
// participant's Jingle session (jingle/session-machine.ts) and keeps everyone's view of the
// sources current (jingle/source-signaling.ts). Jingle and mute IQs are handled in
// conference-iqs.ts on top of the helpers exported here.
//
// Moving (protocols.md §4, jicofo's reInviteParticipants): when the conference's bridge fails,
// loses the conference or drains, every participant gets session-terminate (`success`, "moving")
// and a fresh session-initiate on the newly selected bridge (allocated in one batch); the others
// see its sources removed and added again. With no bridge left the participants wait (`new`) and
// are invited by the next bridgeUp; the focus's room presence carries `<bridgeNotAvailable/>`
// meanwhile (what lib-jitsi-meet shows as "bridge down"). Moves are bounded: at most one per
// conference per MOVE_MIN_INTERVAL_MS unless the bridge is gone, and nothing retries on its own.
//
// Closing cascade: close(reason) → source signaling stops → participants still in a session get
// session-terminate → the conference is expired on the bridge → the focus leaves the room (the MUC
// removes the empty room) → `ended` is emitted once.
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El, EndpointSources, IceUdpTransport, Jingle, OwnSourceLimits } from '@plenum/xmpp/codec';
import { FEATURE_BATCHED_DELIVERY, el, encodeJingle, parseJid } from '@plenum/xmpp/codec';
import type { BridgeControl, Ids, StanzaChannel } from '../ports.ts';
import { FocusError, isFocusError } from '../errors.ts';
import type { BridgeRegistry } from '../bridges/bridge-registry.ts';
import type { BridgeSession, EndpointAllocation } from '../bridge-client/bridge-session.ts';
import { endpointAllocation, endpointUpdate } from '../bridge-client/colibri-requests.ts';
import { FEATURE, clientFeaturesFrom } from '../jingle/client-features.ts';
import type { FeatureCache } from '../jingle/feature-cache.ts';
import { capsOf } from '../jingle/feature-cache.ts';
import { buildSessionInitiate, buildSessionTerminate, buildSourceUpdate } from '../jingle/offer.ts';
import type { RestartLimits, SessionInput, SessionStep } from '../jingle/session-machine.ts';
import { stepSession } from '../jingle/session-machine.ts';
import type { ConferenceSources, SourceDiff } from '../jingle/source-map.ts';
import { SourceSignaling } from '../jingle/source-signaling.ts';
import { TokenBucket } from '../internal/token-bucket.ts';
import type { IdentityDomains, TokenBindings } from './identity.ts';
import { classifyIdentity } from './identity.ts';
import type { ModeratorPolicy } from './moderator-policy.ts';
import { electModerators } from './moderators.ts';
import { ConferenceBridge } from './conference-bridge.ts';
import type { Participant } from './participant-registry.ts';
import { ParticipantRegistry } from './participant-registry.ts';
import type { StartMutedPolicy } from './start-muted.ts';
import type { ParticipantRecord, StoredConference } from '../state/state-store.ts';
import { startMutedFor } from './start-muted.ts';
import {
  ROOM_TIMEOUT_MS, joinPresence, leavePresence, meetingIdOf, ownerConfigIq, presenceFeatures, presenceText, readOccupantPresence, roomInfoIq,
} from '../room/room-stanzas.ts';
import type { OccupantPresence } from '../room/room-stanzas.ts';

/** Plain settings every conference shares (from the focus config). */
export type ConferenceSettings = {
  /** The focus's real full JID, e.g. focus.plenum.localhost/focus. */
  readonly focusJid: string;
  readonly focusNick: string;
  readonly identityDomains: IdentityDomains;
  readonly moderatorPolicy: ModeratorPolicy;
  readonly trustedServiceDomains: readonly string[];
  readonly maxParticipants: number;
  readonly maxParticipantsPerBridge: number;
  readonly participantRampupMs: number;
  /** Corrected stress (0..1+) at which a bridge counts as overloaded. */
  readonly stressThreshold: number;
  readonly sourceLimits: OwnSourceLimits;
  readonly jingleTimeoutMs: number;
  readonly sourceSignalingDelayMs: number;
  readonly restartLimits: RestartLimits;
  readonly offerOpusRed: boolean;
  readonly bridgeRequestTimeoutMs: number;
  /** A running conference that nobody joins (or everybody left) ends after this. */
  readonly emptyTimeoutMs: number;
  readonly joinRatePerSecond: number;
  readonly joinBurst: number;
};

/** What a conference needs. */
export type ConferenceDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly channel: StanzaChannel;
  readonly bridgeControl: BridgeControl;
  readonly bridges: BridgeRegistry;
  readonly features: FeatureCache;
  readonly tokens: TokenBindings;
  readonly settings: ConferenceSettings;
};

/**
 * Events of a conference. `ended` carries `isDetached`: the focus let go of a conference that goes
 * on (shutting down or offline with shared state, src/state/) — its state must be kept.
 * `participantChanged` / `participantLeft` / `running` feed the state mirror.
 */
export type ConferenceEvents = {
  ended: [reason: string, isDetached: boolean];
  running: [];
  participantChanged: [p: Participant];
  participantLeft: [endpointId: string];
};

const MAX_INVITE_ATTEMPTS = 3;
/** A conference leaves a bridge that still works (drain, graceful shutdown) at most this often. */
const MOVE_MIN_INTERVAL_MS = 2_000;
const NS_FOCUS = 'http://jitsi.org/protocol/focus';

/** A conference the focus runs in one MUC room. */
export class Conference {
  readonly events: TypedEmitter<ConferenceEvents>;
  readonly log: Logger;
  readonly participants = new ParticipantRegistry();
  readonly signaling: SourceSignaling;
  #phase: 'joining' | 'running' | 'ended' = 'joining';
  #meetingId: string | undefined;
  readonly bridge: ConferenceBridge;
  readonly #allocations = new Map<string, EndpointAllocation>();
  /** The bridge session each allocated endpoint lives on: its expiry goes there, not to a bridge the conference moved to. */
  readonly #endpointSessions = new Map<string, BridgeSession>();
  readonly #joinBucket: TokenBucket;
  readonly #timers = new Set<Cancel>();
  #selfJoin: { resolve: () => void; reject: (e: Error) => void } | undefined;
  #cancelEmpty: Cancel | undefined;
  #ready: Promise<void> | undefined;
  #hadParticipants = false;
  #lastMoveMs = Number.NEGATIVE_INFINITY;
  #isBridgeNotAvailable = false;
  /** Sessions to continue (a conference taken over or resumed, src/state/), by endpoint id, until the roster is read. */
  readonly #resumable = new Map<string, ParticipantRecord>();

  constructor(readonly deps: ConferenceDeps, readonly roomJid: string, readonly startMuted: StartMutedPolicy, readonly resumeFrom?: StoredConference) {
    for (const r of resumeFrom?.participants ?? []) this.#resumable.set(r.endpointId, r);
    this.log = deps.log.child({ conf: roomJid });
    this.events = new TypedEmitter<ConferenceEvents>(this.log);
    const s = deps.settings;
    this.bridge = new ConferenceBridge({
      control: deps.bridgeControl, bridges: deps.bridges, clock: deps.clock, log: this.log, roomJid,
      requestTimeoutMs: s.bridgeRequestTimeoutMs, participantRampupMs: s.participantRampupMs, maxParticipantsPerBridge: s.maxParticipantsPerBridge,
      stressThreshold: s.stressThreshold,
      bridgeLost: (bridgeId, reason) => this.#moveOff(bridgeId, reason, true),
      endpointUnknown: (endpointId) => this.#reinvite(endpointId),
    });
    this.#joinBucket = new TokenBucket({ ratePerSecond: s.joinRatePerSecond, burst: s.joinBurst, nowMs: deps.clock.now() });
    this.signaling = new SourceSignaling({
      clock: deps.clock,
      delayMs: s.sourceSignalingDelayMs,
      target: (id) => this.participants.sourcesFor(id, this.bridge.jvbSources()),
      send: (id, diff) => this.#sendSourceDiff(id, diff),
    });
  }

  get isEnded(): boolean {
    return this.#phase === 'ended';
  }

  get isRunning(): boolean {
    return this.#phase === 'running';
  }

  get meetingId(): string | undefined {
    return this.#meetingId;
  }

  /** Joins and configures the room (once); conference requests wait on it. */
  ready(): Promise<void> {
    this.#ready ??= this.#setup();
    return this.#ready;
  }

  /** What the bridge gave an endpoint and which bridge it is on (for the state mirror). */
  endpointOf(endpointId: string): { readonly allocation: EndpointAllocation; readonly bridgeId: string } | undefined {
    const allocation = this.#allocations.get(endpointId);
    const session = this.#endpointSessions.get(endpointId);
    return allocation === undefined || session === undefined ? undefined : { allocation, bridgeId: session.bridge.id };
  }

  /** Spends a join token (limits.joinRatePerSecond / joinBurst). */
  takeJoinToken(): boolean {
    return this.#joinBucket.take(this.deps.clock.now());
  }

  /** Sends a Jingle IQ to a participant from the focus (the MUC makes it arrive from room/focus). */
  sendJingle(p: Participant, jingle: Jingle): Promise<El> {
    const iq = el('iq', { type: 'set', from: this.deps.settings.focusJid, to: p.occupantJid, id: this.deps.ids.next() }, encodeJingle(jingle));
    return this.deps.channel.request(iq, { timeoutMs: this.deps.settings.jingleTimeoutMs });
  }

  /** Applies a session step to a participant and performs its effects. */
  apply(p: Participant, input: SessionInput, answer?: { readonly transport?: IceUdpTransport }): SessionStep {
    const step = stepSession(p.session, input, this.deps.settings.restartLimits);
    this.#run(p, step, answer);
    if (this.participants.get(p.endpointId) === p) this.events.emit('participantChanged', p);
    return step;
  }

  /** Pushes an endpoint change to the bridge (failures: ConferenceBridge#update). */
  updateBridge(p: Participant, update: { readonly transport?: IceUdpTransport; readonly sources?: EndpointSources; readonly forceMute?: boolean }): void {
    const endpoint = endpointUpdate(p.endpointId, update);
    this.bridge.update(update.forceMute === true ? { ...endpoint, forceMute: { ...p.forceMuted } } : endpoint);
    this.events.emit('participantChanged', p);
  }

  /** A presence from the room. */
  handlePresence(presence: El): void {
    if (this.#phase === 'ended') return;
    const occ = readOccupantPresence(presence, this.roomJid);
    if (occ === undefined) return;
    if (occ.nick === this.deps.settings.focusNick) return this.#onSelfPresence(presence, occ);
    if (presence.attrs.type === 'error') return;
    if (occ.isUnavailable) return this.#onLeft(occ.nick);
    const p = this.participants.get(occ.nick);
    if (p === undefined) return this.#onJoined(presence, occ);
    p.role = occ.role;
    p.region = presenceText(presence, 'jitsi_participant_region') ?? p.region;
    if (p.affiliation !== occ.affiliation) {
      p.affiliation = occ.affiliation;
      if (occ.affiliation === 'owner') p.isOwnerRequested = false;
      this.#electModerators();
    }
  }

  /** A bridge became usable: participants waiting for one are invited; a conference on a draining bridge may now move. */
  onBridgeUp(): void {
    if (this.#phase !== 'running') return;
    for (const p of this.participants.all()) {
      if (p.session.phase !== 'new') continue;
      p.failedInvites = 0;
      this.apply(p, { kind: 'invite' });
    }
    const current = this.bridge.session?.bridge.id;
    if (current !== undefined) this.onBridgeLeaving(current, 'bridge up');
  }

  /** A bridge stopped being usable: a conference on it moves everyone. */
  onBridgeDown(bridgeId: string, reason: string): void {
    this.#moveOff(bridgeId, reason, true);
  }

  /** A bridge drains or shuts down gracefully: a conference on it moves when a better bridge exists. */
  onBridgeLeaving(bridgeId: string, reason: string): void {
    if (!this.bridge.isOn(bridgeId) || this.deps.bridges.leaveReason(bridgeId, this.deps.clock.now()) === undefined) return;
    const region = this.participants.all().find((p) => p.region !== undefined)?.region;
    if (!this.bridge.hasBetterThan(bridgeId, region)) {
      this.log.info('conference bridge asks to be left, no better bridge: staying', { bridge: bridgeId, reason });
      return;
    }
    this.#moveOff(bridgeId, reason, false);
  }

  /**
   * Lets go of a conference that goes on without this focus (shared state, src/state/): no
   * session-terminate, nothing expired on the bridge, so media keeps flowing and the instance that
   * takes over (or this one after a restart) continues it. The room is left with the connection.
   */
  detach(reason: string): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#cancelEmpty?.();
    this.signaling.close();
    this.#selfJoin?.reject(FocusError.closed());
    this.log.info('conference detached', { reason, participants: this.participants.size });
    this.events.emit('ended', reason, true);
  }

  /** Ends the conference (idempotent): see the closing cascade at the top of the file. */
  async close(reason: string): Promise<void> {
    if (this.#phase === 'ended') return;
    const wasJoined = this.#phase === 'running';
    this.#phase = 'ended';
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#cancelEmpty?.();
    this.signaling.close();
    this.#selfJoin?.reject(FocusError.closed());
    this.log.info('conference ended', { reason, participants: this.participants.size });
    this.events.emit('ended', reason, false);
    for (const p of this.participants.all()) {
      const sid = p.session.sid;
      if (sid !== undefined && (p.session.phase === 'offered' || p.session.phase === 'active')) {
        this.sendJingle(p, buildSessionTerminate(sid, 'gone', 'conference ended')).catch(() => undefined);
      }
    }
    await this.bridge.expire();
    if (wasJoined || this.#ready !== undefined) this.deps.channel.send(leavePresence(this.deps.settings.focusJid, `${this.roomJid}/${this.deps.settings.focusNick}`));
  }

  /**
   * Moves every participant off `bridgeId` if the conference is on it (see the file comment).
   * `isGone`: the bridge cannot serve the conference any more (no rate limit then).
   */
  #moveOff(bridgeId: string, reason: string, isGone: boolean): void {
    if (this.#phase !== 'running' || !this.bridge.isOn(bridgeId)) return;
    const nowMs = this.deps.clock.now();
    if (!isGone && nowMs - this.#lastMoveMs < MOVE_MIN_INTERVAL_MS) return;
    this.#lastMoveMs = nowMs;
    this.bridge.leave();
    const moving = this.participants.all().filter((p) => p.session.phase === 'inviting' || p.session.phase === 'offered' || p.session.phase === 'active');
    this.log.warn('moving the conference to another bridge', { bridge: bridgeId, reason, participants: moving.length });
    for (const p of moving) this.#move(p);
  }

  /** The bridge forgot one endpoint (UNKNOWN_ENDPOINT): only that participant is re-invited. */
  #reinvite(endpointId: string): void {
    const p = this.participants.get(endpointId);
    if (this.#phase !== 'running' || p === undefined || (p.session.phase !== 'offered' && p.session.phase !== 'active')) return;
    this.log.warn('bridge lost an endpoint: re-inviting it', { participant: endpointId });
    this.#move(p);
  }

  /** session-terminate ("moving") for a session the participant has, then a fresh invite. */
  #move(p: Participant): void {
    const sid = p.session.sid;
    if (sid !== undefined && (p.session.phase === 'offered' || p.session.phase === 'active')) {
      this.sendJingle(p, buildSessionTerminate(sid, 'success', 'moving'))
        .catch((error: unknown) => this.log.debug('session-terminate not acknowledged', { participant: p.endpointId, err: (error as Error).message }));
    }
    p.failedInvites = 0;
    this.apply(p, { kind: 'move' });
  }

  /** Adds or removes `<bridgeNotAvailable/>` in the focus's room presence (what jicofo sent and lib-jitsi-meet shows). */
  #setBridgeNotAvailable(isOn: boolean): void {
    if (this.#isBridgeNotAvailable === isOn || this.#phase !== 'running') return;
    this.#isBridgeNotAvailable = isOn;
    const { focusJid, focusNick } = this.deps.settings;
    this.deps.channel.send(el('presence', { from: focusJid, to: `${this.roomJid}/${focusNick}` },
      ...(isOn ? [el('bridgeNotAvailable', { xmlns: NS_FOCUS })] : [])));
    this.log.info(isOn ? 'no bridge: participants told and waiting' : 'bridge available again');
  }

  async #setup(): Promise<void> {
    const { channel, ids, settings } = this.deps;
    try {
      const joined = new Promise<void>((resolve, reject) => {
        this.#selfJoin = { resolve, reject };
      });
      const cancel = this.#timer(() => this.#selfJoin?.reject(FocusError.timeout('joining the room')), ROOM_TIMEOUT_MS);
      channel.send(joinPresence(settings.focusJid, `${this.roomJid}/${settings.focusNick}`));
      await joined.finally(cancel);
      this.#selfJoin = undefined;
      await channel.request(ownerConfigIq(settings.focusJid, this.roomJid, ids.next(), settings.maxParticipants + 1), { timeoutMs: ROOM_TIMEOUT_MS });
      const info = await channel.request(roomInfoIq(settings.focusJid, this.roomJid, ids.next()), { timeoutMs: ROOM_TIMEOUT_MS });
      this.#meetingId = meetingIdOf(info);
      if (this.#meetingId === undefined) {
        this.#meetingId = ids.next();
        this.log.warn('room has no meeting id, made one up', { meetingId: this.#meetingId });
      }
    } catch (error) {
      void this.close('room setup failed');
      if (isFocusError(error, 'closed')) throw error;
      throw FocusError.roomFailed(`room ${this.roomJid} could not be set up`, error);
    }
    if (this.#phase === 'ended') throw FocusError.closed();
    this.#phase = 'running';
    this.log.info('conference started', { meetingId: this.#meetingId });
    this.#resumeBridge();
    this.events.emit('running');
    this.#electModerators();
    for (const p of this.participants.all()) if (p.session.phase === 'new') this.apply(p, { kind: 'invite' });
    this.#checkEmpty();
  }

  /**
   * A conference taken over or resumed: the bridge session continues on the stored bridge, the
   * participants still in the room keep their sessions (their view of the sources is what they
   * were offered plus what they were sent since, i.e. everyone's current sources), and endpoints of
   * those who left meanwhile are expired.
   */
  #resumeBridge(): void {
    const stored = this.resumeFrom;
    if (stored === undefined) return;
    const bridge = stored.conference.bridge;
    const kept = this.participants.all().filter((p) => p.session.phase === 'offered' || p.session.phase === 'active');
    if (bridge === undefined || stored.conference.meetingId !== this.#meetingId) {
      // Nothing to continue on: everyone gets a fresh session.
      for (const p of kept) this.#move(p);
      return;
    }
    const session = this.bridge.adopt(bridge, stored.conference.meetingId, stored.conference.feedbackSources, stored.participants.map((r) => r.endpointId));
    for (const p of kept) this.#endpointSessions.set(p.endpointId, session);
    for (const p of kept) {
      this.signaling.offered(p.endpointId, this.participants.sourcesFor(p.endpointId, this.bridge.jvbSources()));
      if (p.session.phase === 'active') this.signaling.activate(p.endpointId);
    }
    // Left meanwhile, or not resumable: their endpoints go (queued before any fresh allocation).
    for (const gone of this.#resumable.keys()) this.bridge.expireEndpoint(gone, session);
    this.#resumable.clear();
    this.log.info('conference resumed', { bridge: bridge.id, kept: kept.length, meetingId: this.#meetingId });
  }

  /** Gives a returning occupant its stored session back (before the conference runs). */
  #restore(p: Participant): void {
    const r = this.#resumable.get(p.endpointId);
    // Not the same client, or sources now taken: it stays resumable, so its old endpoint is expired
    // (#resumeBridge) before the fresh invite allocates it again.
    if (r === undefined || r.realJid !== p.realJid || this.participants.claimSources(p.endpointId, r.sources) !== undefined) return;
    this.#resumable.delete(p.endpointId);
    p.session = { phase: r.phase, generation: 1, sid: r.sid, bridgeSessionId: r.bridgeSessionId, restartsMs: [] };
    this.#allocations.set(p.endpointId, { transport: r.transport, hasSctp: r.hasSctp });
    // Features decide the format of later source signaling; the session itself needs none now.
    this.deps.features.featuresOf(p.occupantJid, p.caps).then((f) => {
      p.features ??= clientFeaturesFrom(f);
    }, () => undefined);
  }

  #onSelfPresence(presence: El, occ: OccupantPresence): void {
    if (presence.attrs.type === 'error') {
      this.#selfJoin?.reject(FocusError.roomFailed(`the MUC refused the focus in ${this.roomJid}`));
      return;
    }
    if (occ.isUnavailable) {
      // While joining this is the echo of an earlier conference in the same room leaving.
      if (this.#phase === 'running') void this.close('focus removed from the room');
      return;
    }
    if (occ.statuses.includes(110)) this.#selfJoin?.resolve();
  }

  #onJoined(presence: El, occ: OccupantPresence): void {
    const s = this.deps.settings;
    const real = occ.realJid === undefined ? undefined : parseJid(occ.realJid);
    if (real === undefined || !real.ok) {
      this.log.warn('occupant without real jid ignored', { participant: occ.nick });
      return;
    }
    if (this.participants.size >= s.maxParticipants) {
      this.log.warn('occupant over the participant limit not invited', { participant: occ.nick, max: s.maxParticipants });
      return;
    }
    const features = presenceFeatures(presence);
    const isService = (features.includes(FEATURE.jibri) || features.includes(FEATURE.jigasi)) && s.trustedServiceDomains.includes(real.value.domain);
    const position = this.participants.all().filter((x) => !x.isService).length + 1;
    const p = this.participants.add({
      endpointId: occ.nick,
      occupantJid: `${this.roomJid}/${occ.nick}`,
      realJid: occ.realJid as string,
      identity: classifyIdentity(real.value, this.deps.tokens.get(occ.realJid as string, this.deps.clock.now()), s.identityDomains),
      isService,
      wantsBatchedDelivery: features.includes(FEATURE_BATCHED_DELIVERY),
      affiliation: occ.affiliation,
      role: occ.role,
      region: presenceText(presence, 'jitsi_participant_region'),
      statsId: presenceText(presence, 'stats-id'),
      caps: capsOf(presence),
    }, isService ? { audio: false, video: false } : startMutedFor(this.startMuted, position));
    if (this.#phase === 'joining') this.#restore(p);
    this.#cancelEmpty?.();
    this.#cancelEmpty = undefined;
    this.#hadParticipants = true;
    this.log.info('participant joined', { participant: p.endpointId, identity: p.identity.kind, isService, count: this.participants.size });
    this.#electModerators();
    if (this.#phase === 'running') this.apply(p, { kind: 'invite' });
  }

  #onLeft(nick: string): void {
    const p = this.participants.get(nick);
    if (p === undefined) return;
    // Clients send no session-terminate when they leave (protocols.md §12): the MUC leave ends the session.
    this.signaling.forget(nick);
    this.apply(p, { kind: 'left' });
    this.participants.remove(nick);
    this.#allocations.delete(nick);
    this.#endpointSessions.delete(nick);
    this.events.emit('participantLeft', nick);
    this.log.info('participant left', { participant: nick, count: this.participants.size });
    this.#electModerators();
    this.#checkEmpty();
  }

  /** The last participant out ends the conference; a new conference nobody joins ends after emptyTimeoutMs. */
  #checkEmpty(): void {
    if (this.#phase !== 'running' || this.participants.size > 0) return;
    if (this.#hadParticipants) {
      void this.close('last participant left');
      return;
    }
    this.#cancelEmpty ??= this.#timer(() => {
      if (this.participants.size === 0) void this.close('nobody joined');
    }, this.deps.settings.emptyTimeoutMs);
  }

  #run(p: Participant, step: SessionStep, answer?: { readonly transport?: IceUdpTransport }): void {
    p.session = step.state;
    for (const e of step.effects) {
      switch (e.kind) {
        case 'allocate':
          void this.#invite(p, e.generation);
          break;
        case 'send-initiate':
          this.#sendInitiate(p, e.sid, e.bridgeSessionId);
          break;
        case 'activate':
          this.updateBridge(p, { ...(answer?.transport !== undefined ? { transport: answer.transport } : {}), sources: p.sources });
          this.signaling.activate(p.endpointId);
          this.signaling.changed();
          break;
        case 'remove-sources':
          this.signaling.forget(p.endpointId);
          this.participants.clearSources(p.endpointId);
          this.signaling.changed();
          break;
        case 'expire-endpoint':
          this.#expireEndpoint(p.endpointId);
          break;
      }
    }
  }

  #isStale(p: Participant, generation: number): boolean {
    return this.#phase !== 'running' || this.participants.get(p.endpointId) !== p || p.session.generation !== generation;
  }

  async #invite(p: Participant, generation: number): Promise<void> {
    const s = this.deps.settings;
    try {
      if (p.features === undefined) p.features = clientFeaturesFrom(await this.deps.features.featuresOf(p.occupantJid, p.caps));
      if (this.#isStale(p, generation) || this.#meetingId === undefined) return;
      const session = this.bridge.sessionFor(this.#meetingId, p.region);
      // Counted before the allocation is answered, so that conferences selecting a bridge in the
      // same burst see this endpoint in its stress and spread out.
      this.bridge.endpointAdded(session);
      const allocation = await session.allocate(endpointAllocation({
        endpointId: p.endpointId, mucRole: p.role, features: p.features, offerOpusRed: s.offerOpusRed, isBatched: p.wantsBatchedDelivery,
        ...(p.statsId !== undefined ? { statsId: p.statsId } : {}),
        ...(p.forceMuted.audio || p.forceMuted.video ? { forceMute: p.forceMuted } : {}),
      })).catch((error: unknown) => {
        this.bridge.endpointRemoved(session);
        throw error;
      });
      // A participant that left or restarted meanwhile: its expire is queued behind this allocation.
      if (this.#isStale(p, generation)) return;
      this.#allocations.set(p.endpointId, allocation);
      this.#endpointSessions.set(p.endpointId, session);
      this.#setBridgeNotAvailable(false);
      p.failedInvites = 0;
      this.apply(p, { kind: 'allocated', generation, sid: this.deps.ids.next(), bridgeSessionId: this.deps.ids.next() });
    } catch (error) {
      if (this.#isStale(p, generation)) return;
      this.#inviteFailed(p, generation, error);
    }
  }

  #inviteFailed(p: Participant, generation: number, error: unknown): void {
    this.bridge.allocationFailed(error);
    this.log.warn('participant invite failed', { participant: p.endpointId, code: isFocusError(error) ? error.code : 'bug', err: (error as Error).message });
    if (!isFocusError(error)) this.log.error('invite failed on a bug', { err: error });
    this.apply(p, { kind: 'invite-failed', generation });
    p.failedInvites++;
    if (isFocusError(error, 'no-bridge')) this.#setBridgeNotAvailable(true);
    const isRetryable = !isFocusError(error, 'no-bridge') && !isFocusError(error, 'participant-limit');
    if (isRetryable && p.failedInvites < MAX_INVITE_ATTEMPTS) {
      this.#timer(() => {
        if (this.participants.get(p.endpointId) === p && p.session.phase === 'new') this.apply(p, { kind: 'invite' });
      }, 250 * p.failedInvites);
    }
  }

  #sendInitiate(p: Participant, sid: string, bridgeSessionId: string): void {
    const allocation = this.#allocations.get(p.endpointId);
    const session = this.bridge.session;
    if (allocation === undefined || session === undefined || p.features === undefined) return;
    const known = this.participants.sourcesFor(p.endpointId, this.bridge.jvbSources());
    const region = this.bridge.region();
    const jingle = buildSessionInitiate({
      sid, initiator: this.deps.settings.focusJid, roomJid: this.roomJid, features: p.features, transport: allocation.transport,
      hasBridgeSctp: allocation.hasSctp, sources: known, bridgeSessionId, offerOpusRed: this.deps.settings.offerOpusRed,
      ...(region !== undefined ? { region } : {}),
      startMuted: p.startMuted,
    });
    this.signaling.offered(p.endpointId, known);
    const generation = p.session.generation;
    this.sendJingle(p, jingle).catch((error: unknown) => {
      // XEP-0166 §6.2 lets the responder ack late; like Jicofo a timeout counts as delivered.
      if (isFocusError(error, 'timeout') || !isFocusError(error, 'remote-error') || this.#isStale(p, generation)) return;
      this.log.warn('participant refused the offer', { participant: p.endpointId, err: error.message });
      p.failedInvites = MAX_INVITE_ATTEMPTS;
      this.apply(p, { kind: 'invite-failed', generation });
    });
    this.log.info('session offered', { participant: p.endpointId, bridge: session.bridge.id, sources: known.size });
  }

  #expireEndpoint(endpointId: string): void {
    this.#allocations.delete(endpointId);
    const on = this.#endpointSessions.get(endpointId);
    this.#endpointSessions.delete(endpointId);
    this.bridge.expireEndpoint(endpointId, on);
  }

  #sendSourceDiff(endpointId: string, diff: SourceDiff): void {
    const p = this.participants.get(endpointId);
    const sid = p?.session.sid;
    if (p === undefined || sid === undefined) return;
    const json = p.features?.hasJsonSources ?? false;
    const send = (action: 'source-add' | 'source-remove', sources: ConferenceSources): void => {
      if (sources.size === 0) return;
      this.sendJingle(p, buildSourceUpdate(action, sid, this.roomJid, sources, json))
        .catch((error: unknown) => this.log.debug('source signaling not acknowledged', { participant: endpointId, action, err: (error as Error).message }));
    };
    send('source-remove', diff.remove);
    send('source-add', diff.add);
  }

  #electModerators(): void {
    if (this.#phase !== 'ended') electModerators(this);
  }

  #timer(fn: () => void, delayMs: number): Cancel {
    const cancel = this.deps.clock.setTimeout(() => {
      this.#timers.delete(cancel);
      fn();
    }, delayMs);
    this.#timers.add(cancel);
    return () => {
      this.#timers.delete(cancel);
      cancel();
    };
  }
}
