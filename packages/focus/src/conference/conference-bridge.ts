// Which bridge a conference is on, and everything the conference asks of it (protocols.md §3, §4):
// selection through the pure selector, the BridgeSession for the chosen bridge, failure handling.
// Without cascading (COLIBRI2 relays, a later issue) a conference lives on one bridge at a time.
// When that bridge fails, loses the conference or asks to be left, the conference is told
// (`bridgeLost`) and moves all its participants (Conference#moveAll); an endpoint the bridge no
// longer knows (UNKNOWN_ENDPOINT) is re-invited alone (`endpointUnknown`).
import type { Clock, Logger } from '@plenum/kit';
import type { Colibri2Endpoint, EndpointSources } from '@plenum/xmpp/codec';
import type { BridgeAddress, BridgeControl, BridgeFailure } from '../ports.ts';
import { FocusError } from '../errors.ts';
import type { BridgeRegistry } from '../bridges/bridge-registry.ts';
import { correctedStress, selectBridge } from '../bridges/bridge-selector.ts';
import { BridgeSession } from '../bridge-client/bridge-session.ts';
import { bridgeFailureOf } from '../bridge-client/colibri-bridge-control.ts';
import type { ConferenceSources } from '../jingle/source-map.ts';
import { JVB_OWNER, isEmptySources } from '../jingle/source-map.ts';

/** The bridge side of one conference. */
export class ConferenceBridge {
  #session: BridgeSession | undefined;

  constructor(private readonly deps: {
    readonly control: BridgeControl;
    readonly bridges: BridgeRegistry;
    readonly clock: Clock;
    readonly log: Logger;
    readonly roomJid: string;
    readonly requestTimeoutMs: number;
    readonly participantRampupMs: number;
    readonly maxParticipantsPerBridge: number;
    /** Corrected stress at which a bridge counts as overloaded (jicofo stress-threshold, 0.8). */
    readonly stressThreshold: number;
    /** The bridge failed or lost the conference: every participant must move. */
    readonly bridgeLost: (bridgeId: string, reason: string) => void;
    /** The bridge no longer knows this endpoint: re-invite it alone. */
    readonly endpointUnknown: (endpointId: string) => void;
  }) {}

  /** The current bridge session, if the conference is on a bridge. */
  get session(): BridgeSession | undefined {
    return this.#session;
  }

  /** The bridge's feedback sources as the owner `jvb` (empty before the conference exists there). */
  jvbSources(): ConferenceSources {
    const s = this.#session?.feedbackSources;
    return s === undefined || isEmptySources(s) ? new Map() : new Map([[JVB_OWNER, s]]);
  }

  /** The region of the conference's bridge, for `<bridge-session region>`. */
  region(): string | undefined {
    return this.#session === undefined ? undefined : this.deps.bridges.region(this.#session.bridge.id);
  }

  /**
   * The session for the next participant: the current bridge while usable and not full, else a
   * newly selected one. Throws FocusError no-bridge or participant-limit.
   */
  sessionFor(meetingId: string, participantRegion: string | undefined): BridgeSession {
    const { bridges, clock } = this.deps;
    const nowMs = clock.now();
    const current = this.#session;
    const selection = selectBridge(bridges.candidates(nowMs), {
      ...(participantRegion !== undefined ? { participantRegion } : {}),
      conferenceBridges: current === undefined ? new Map() : new Map([[current.bridge.id, current.endpointCount]]),
      allowCascade: false,
    }, { nowMs, participantRampupMs: this.deps.participantRampupMs, maxParticipantsPerBridge: this.deps.maxParticipantsPerBridge });
    if (selection.kind === 'none') {
      throw selection.reason === 'no-bridge' ? FocusError.noBridge() : FocusError.participantLimit(this.deps.maxParticipantsPerBridge);
    }
    if (current !== undefined && selection.bridge.id === current.bridge.id) return current;
    const stress = correctedStress(selection.bridge, nowMs, this.deps.participantRampupMs);
    if (stress >= this.deps.stressThreshold) this.deps.log.warn('every usable bridge is overloaded', { bridge: selection.bridge.id, stress });
    const address = bridges.address(selection.bridge.id);
    if (address === undefined) throw FocusError.noBridge();
    if (current !== undefined && current.endpointCount > 0) {
      // The old bridge became unusable before its bridgeDown reached the conference: everyone moves.
      this.deps.log.warn('conference bridge unusable, moving', { from: current.bridge.id, to: address.id });
      this.deps.bridgeLost(current.bridge.id, 'unusable');
      // The move re-invited this participant too: this invite is stale.
      throw FocusError.noBridge();
    }
    this.#session = new BridgeSession({ control: this.deps.control, log: this.deps.log, requestTimeoutMs: this.deps.requestTimeoutMs },
      address, meetingId, this.deps.roomJid);
    this.deps.log.info('conference bridge selected', { bridge: address.id, region: bridges.region(address.id) });
    return this.#session;
  }

  /** Continues a conference already on `address` (taken over, or resumed after a restart: src/state/). */
  adopt(address: BridgeAddress, meetingId: string, feedbackSources: EndpointSources, endpointIds: readonly string[]): BridgeSession {
    const session = new BridgeSession({ control: this.deps.control, log: this.deps.log, requestTimeoutMs: this.deps.requestTimeoutMs },
      address, meetingId, this.deps.roomJid);
    session.adopt(feedbackSources, endpointIds);
    // Counted like placed endpoints, so that their expiry later balances (the rampup overcounts a while).
    const nowMs = this.deps.clock.now();
    for (let i = 0; i < endpointIds.length; i++) this.deps.bridges.endpointAdded(address.id, nowMs);
    this.#session = session;
    this.deps.log.info('conference bridge taken over', { bridge: address.id, endpoints: endpointIds.length });
    return session;
  }

  /**
   * An allocation failed: a failing bridge is avoided; one that holds nobody is dropped; one that
   * holds participants and failed as a whole (lost the conference, stopped answering) is left by all.
   */
  allocationFailed(error: unknown): void {
    const failure = bridgeFailureOf(error);
    const session = this.#session;
    if (failure === undefined || session === undefined) return;
    this.deps.bridges.markFailed(session.bridge.id, this.deps.clock.now());
    if (session.endpointCount === 0) {
      this.#session = undefined;
      return;
    }
    if (isConferenceLost(failure)) this.deps.bridgeLost(session.bridge.id, describe(failure));
  }

  /**
   * Detaches the current session (the conference leaves its bridge): endpoint expiries of the old
   * bridge are not sent any more, the next allocation selects a bridge afresh. The old conference is
   * expired on the old bridge in the background (a draining bridge can then exit; a dead one is not
   * waited for).
   */
  leave(): BridgeSession | undefined {
    const old = this.#session;
    this.#session = undefined;
    if (old === undefined) return undefined;
    for (let i = 0; i < old.endpointCount; i++) this.deps.bridges.endpointRemoved(old.bridge.id);
    old.expire().catch((error: unknown) => this.deps.log.debug('old bridge conference expire failed', { bridge: old.bridge.id, err: (error as Error).message }));
    return old;
  }

  /**
   * True when a bridge other than `bridgeId` would be selected that is itself neither draining nor
   * in graceful shutdown: moving off a draining bridge is only worth it then.
   */
  hasBetterThan(bridgeId: string, participantRegion: string | undefined): boolean {
    const nowMs = this.deps.clock.now();
    const others = this.deps.bridges.candidates(nowMs).filter((b) => b.id !== bridgeId);
    const selection = selectBridge(others, {
      ...(participantRegion !== undefined ? { participantRegion } : {}), conferenceBridges: new Map(), allowCascade: false,
    }, { nowMs, participantRampupMs: this.deps.participantRampupMs, maxParticipantsPerBridge: this.deps.maxParticipantsPerBridge });
    return selection.kind === 'selected' && !selection.bridge.isDraining && !selection.bridge.isInGracefulShutdown && selection.bridge.isOperational;
  }

  /** An endpoint was placed on the bridge (it counts towards the bridge's corrected stress). */
  endpointAdded(session: BridgeSession): void {
    this.deps.bridges.endpointAdded(session.bridge.id, this.deps.clock.now());
  }

  /** An endpoint counted by endpointAdded was never placed after all (its allocation failed). */
  endpointRemoved(session: BridgeSession): void {
    this.deps.bridges.endpointRemoved(session.bridge.id);
  }

  /**
   * Pushes an endpoint change. UNKNOWN_ENDPOINT re-invites that endpoint; a failure of the whole
   * bridge or conference moves everyone; anything else is logged.
   */
  update(endpoint: Colibri2Endpoint): void {
    const session = this.#session;
    session?.update(endpoint).catch((error: unknown) => {
      this.deps.log.warn('bridge update failed', { participant: endpoint.id, err: (error as Error).message });
      const failure = bridgeFailureOf(error);
      if (failure === undefined || this.#session !== session) return;
      if (failure.kind === 'colibri' && failure.reason === 'UNKNOWN_ENDPOINT') {
        this.deps.endpointUnknown(endpoint.id);
      } else if (isConferenceLost(failure)) {
        this.deps.bridges.markFailed(session.bridge.id, this.deps.clock.now());
        this.deps.bridgeLost(session.bridge.id, describe(failure));
      }
    });
  }

  /**
   * Expires an endpoint on the session it was allocated on (`on`), else on the current one (queued
   * behind an allocation in flight). A session the conference left expires as a whole instead.
   */
  expireEndpoint(endpointId: string, on?: BridgeSession): void {
    const session = on ?? this.#session;
    if (session === undefined || session.isExpired) return;
    session.expireEndpoint(endpointId).then(
      (expired) => { if (expired) this.deps.bridges.endpointRemoved(session.bridge.id); },
      (error: unknown) => this.deps.log.warn('endpoint expire failed', { participant: endpointId, err: (error as Error).message }),
    );
  }

  /** Expires the conference on its bridge and forgets the bridge. */
  async expire(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined) return;
    await session.expire().catch((error: unknown) => {
      // Expiring the last endpoint already ended the conference on the bridge: nothing was left to expire.
      const failure = bridgeFailureOf(error);
      if (failure?.kind === 'colibri' && failure.reason === 'CONFERENCE_NOT_FOUND') return;
      this.deps.log.warn('bridge conference expire failed', { err: (error as Error).message });
    });
  }

  /** True when the conference is on this bridge. */
  isOn(bridgeId: string): boolean {
    return this.#session?.bridge.id === bridgeId;
  }
}

/** Stanza errors saying the bridge was not reached (RFC 6120 §8.3.3). */
const UNREACHED: ReadonlySet<string> = new Set(['gone', 'item-not-found', 'recipient-unavailable', 'remote-server-not-found', 'remote-server-timeout', 'service-unavailable']);

/** A failure that means the conference is gone from the bridge, or the bridge from us (protocols.md §4). */
function isConferenceLost(failure: BridgeFailure): boolean {
  if (failure.kind === 'timeout') return true;
  if (failure.kind === 'colibri') return failure.reason === 'CONFERENCE_NOT_FOUND';
  return UNREACHED.has(failure.condition);
}

const describe = (failure: BridgeFailure): string =>
  failure.kind === 'timeout' ? 'timeout' : failure.kind === 'colibri' ? failure.reason : failure.condition;
