// Bridge selection (protocols.md §4), pure: which bridge hosts a conference's next participant.
// Jicofo's order: usable (healthy, not shutting down), not draining, not in graceful shutdown,
// not recently failed, in the participant's region, then least "corrected stress" = reported
// stress + endpoints placed recently × average stress per endpoint (the reported stress lags by a
// stats interval, so a join burst would otherwise land on one bridge).

/** What the selector knows about one bridge. */
export type BridgeCandidate = {
  /** Brewery nickname. */
  readonly id: string;
  /** `stress_level` as last reported (0..1, may exceed 1). */
  readonly stressLevel: number;
  /** `average_participant_stress`, or the configured default. */
  readonly averageParticipantStress: number;
  /** When this focus placed endpoints on the bridge (epoch ms), newest last. */
  readonly recentEndpointAddsMs: readonly number[];
  readonly region?: string;
  readonly isHealthy: boolean;
  readonly isShuttingDown: boolean;
  readonly isDraining: boolean;
  readonly isInGracefulShutdown: boolean;
  /** False for a while after a COLIBRI2 request to the bridge failed. */
  readonly isOperational: boolean;
};

/** The conference asking. */
export type SelectionRequest = {
  /** `<jitsi_participant_region>` of the joining participant, when known. */
  readonly participantRegion?: string;
  /** Bridges already hosting this conference, with the conference's participant count on each. */
  readonly conferenceBridges: ReadonlyMap<string, number>;
  /** Whether a conference may span bridges (needs COLIBRI2 relays: not implemented, always false today). */
  readonly allowCascade: boolean;
};

/** Knobs of the selection. */
export type SelectionOptions = {
  readonly nowMs: number;
  readonly participantRampupMs: number;
  readonly maxParticipantsPerBridge: number;
};

/** The outcome: a bridge, or why none. */
export type Selection =
  | { readonly kind: 'selected'; readonly bridge: BridgeCandidate }
  | { readonly kind: 'none'; readonly reason: 'no-bridge' | 'conference-full' };

/** Endpoints placed within the rampup window. */
export function recentEndpointCount(b: BridgeCandidate, nowMs: number, rampupMs: number): number {
  let n = 0;
  for (const at of b.recentEndpointAddsMs) if (nowMs - at < rampupMs && at <= nowMs) n++;
  return n;
}

/** Reported stress corrected by the endpoints placed since the bridge last reported (jicofo Bridge.correctedStress). */
export function correctedStress(b: BridgeCandidate, nowMs: number, rampupMs: number): number {
  return b.stressLevel + recentEndpointCount(b, nowMs, rampupMs) * b.averageParticipantStress;
}

/** A bridge that may take new endpoints at all. */
export const isUsable = (b: BridgeCandidate): boolean => b.isHealthy && !b.isShuttingDown;

/**
 * Orders bridges best first: sort keys in jicofo's priority order, ties broken by id so the result
 * is deterministic.
 */
export function rankBridges(bridges: readonly BridgeCandidate[], region: string | undefined, opts: SelectionOptions): BridgeCandidate[] {
  const key = (b: BridgeCandidate): readonly number[] => [
    b.isDraining ? 1 : 0,
    b.isInGracefulShutdown ? 1 : 0,
    b.isOperational ? 0 : 1,
    region !== undefined && b.region !== region ? 1 : 0,
    correctedStress(b, opts.nowMs, opts.participantRampupMs),
  ];
  return bridges
    .map((b) => ({ b, k: key(b) }))
    .sort((x, y) => {
      for (let i = 0; i < x.k.length; i++) {
        const d = (x.k[i] as number) - (y.k[i] as number);
        if (d !== 0) return d;
      }
      return x.b.id < y.b.id ? -1 : x.b.id > y.b.id ? 1 : 0;
    })
    .map((x) => x.b);
}

/**
 * Picks the bridge for a conference's next participant. A conference stays on its bridge while that
 * bridge is usable and below `maxParticipantsPerBridge`; without cascading a full bridge means a full
 * conference. A conference whose bridge is gone (or a new one) gets the best usable bridge.
 */
export function selectBridge(bridges: readonly BridgeCandidate[], req: SelectionRequest, opts: SelectionOptions): Selection {
  const usable = bridges.filter(isUsable);
  const inConference = usable.filter((b) => req.conferenceBridges.has(b.id));
  const hasRoom = (b: BridgeCandidate): boolean => (req.conferenceBridges.get(b.id) ?? 0) < opts.maxParticipantsPerBridge;
  const open = rankBridges(inConference.filter(hasRoom), req.participantRegion, opts);
  if (!req.allowCascade) {
    if (inConference.length > 0) {
      const first = open[0];
      return first !== undefined ? { kind: 'selected', bridge: first } : { kind: 'none', reason: 'conference-full' };
    }
  } else {
    // With relays, a bridge in the participant's region that already hosts the conference wins;
    // otherwise a new bridge in the region beats staying out of it.
    const local = open.find((b) => req.participantRegion === undefined || b.region === req.participantRegion);
    if (local !== undefined) return { kind: 'selected', bridge: local };
  }
  const ranked = rankBridges(usable.filter((b) => !req.conferenceBridges.has(b.id) || hasRoom(b)), req.participantRegion, opts);
  const best = ranked[0];
  return best !== undefined ? { kind: 'selected', bridge: best } : { kind: 'none', reason: 'no-bridge' };
}
