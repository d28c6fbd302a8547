// Which bridge a conference is on, and everything the conference asks of it (protocols.md §3, §4):
// selection through the pure selector, the BridgeSession for the chosen bridge, failure handling.
// Without cascading (COLIBRI2 relays, a later issue) a conference lives on one bridge at a time.
import type { Clock, Logger } from '@plenum/kit';
import type { Colibri2Endpoint } from '@plenum/xmpp/codec';
import type { BridgeControl } from '../ports.ts';
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
      // Moving the participants already on the old bridge (re-invite) is a later issue.
      this.deps.log.error('conference bridge unusable, newcomers go to another bridge', { from: current.bridge.id, to: address.id });
    }
    this.#session = new BridgeSession({ control: this.deps.control, log: this.deps.log, requestTimeoutMs: this.deps.requestTimeoutMs },
      address, meetingId, this.deps.roomJid);
    this.deps.log.info('conference bridge selected', { bridge: address.id, region: bridges.region(address.id) });
    return this.#session;
  }

  /** An allocation failed: a failing bridge is avoided; one that holds nobody (or lost the conference) is dropped. */
  allocationFailed(error: unknown): void {
    const failure = bridgeFailureOf(error);
    const session = this.#session;
    if (failure === undefined || session === undefined) return;
    this.deps.bridges.markFailed(session.bridge.id, this.deps.clock.now());
    if (session.endpointCount === 0 || (failure.kind === 'colibri' && failure.reason === 'CONFERENCE_NOT_FOUND')) this.#session = undefined;
  }

  /** An endpoint was placed on the bridge (it counts towards the bridge's corrected stress). */
  endpointAdded(session: BridgeSession): void {
    this.deps.bridges.endpointAdded(session.bridge.id, this.deps.clock.now());
  }

  /** An endpoint counted by endpointAdded was never placed after all (its allocation failed). */
  endpointRemoved(session: BridgeSession): void {
    this.deps.bridges.endpointRemoved(session.bridge.id);
  }

  /** Pushes an endpoint change; failures are logged (re-invite on failure: later issue). */
  update(endpoint: Colibri2Endpoint): void {
    this.#session?.update(endpoint)
      .catch((error: unknown) => this.deps.log.warn('bridge update failed', { participant: endpoint.id, err: (error as Error).message }));
  }

  /** Expires an endpoint (queued behind its allocation). */
  expireEndpoint(endpointId: string): void {
    const session = this.#session;
    if (session === undefined) return;
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
