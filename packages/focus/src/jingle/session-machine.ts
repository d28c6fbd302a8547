// The lifecycle of one participant's Jingle session with the focus (XEP-0166 §6 with Jitsi's
// rules, protocols.md §2.2–§2.3, §12), as a pure step function (style C11). The driver
// (conference/conference.ts) performs the effects and feeds results back as inputs.
//
//   new ──invite──▶ inviting ──allocated──▶ offered ──accept──▶ active
//    ▲                 │ invite-failed         │ invite-failed     │ terminate(restart) ─▶ inviting
//    └─────────────────┴───────────────────────┘                   │ terminate / left ───▶ ended
//   inviting / offered / active ──move──▶ inviting (the focus moves it to another bridge)
//
// Every (re-)invite bumps `generation`; results of an older invite are stale and ignored.

/** Where the session is. */
export type SessionPhase = 'new' | 'inviting' | 'offered' | 'active' | 'ended';

/** The state of one participant's session. */
export type SessionState = {
  readonly phase: SessionPhase;
  readonly generation: number;
  /** The Jingle sid of the current offer. */
  readonly sid?: string;
  /** The `<bridge-session id>` of the current offer. */
  readonly bridgeSessionId?: string;
  /** When the participant asked for fresh sessions (epoch ms), for the rate limit. */
  readonly restartsMs: readonly number[];
};

/** What happens to a session. */
export type SessionInput =
  | { readonly kind: 'invite' }
  | { readonly kind: 'allocated'; readonly generation: number; readonly sid: string; readonly bridgeSessionId: string }
  | { readonly kind: 'invite-failed'; readonly generation: number }
  | { readonly kind: 'accept'; readonly sid: string }
  | { readonly kind: 'sources'; readonly sid: string }
  | { readonly kind: 'terminate'; readonly sid: string; readonly isRestart: boolean; readonly nowMs: number }
  /** The focus moves the participant to another bridge (its bridge failed or drains): not counted as a restart. */
  | { readonly kind: 'move' }
  | { readonly kind: 'left' };

/** What the driver must do. */
export type SessionEffect =
  /** Find the participant's features and allocate its endpoint on the bridge. */
  | { readonly kind: 'allocate'; readonly generation: number }
  /** Send session-initiate with this sid and bridge session. */
  | { readonly kind: 'send-initiate'; readonly sid: string; readonly bridgeSessionId: string }
  /** The participant accepted: push its transport and sources to the bridge and tell the others. */
  | { readonly kind: 'activate' }
  /** Drop the participant's sources from the conference (source-remove to the others). */
  | { readonly kind: 'remove-sources' }
  /** Expire the endpoint on the bridge. */
  | { readonly kind: 'expire-endpoint' };

/** Why an input was refused (answered as an IQ error by the driver). */
export type SessionRefusal = 'unknown-session' | 'restart-rate';

/** One step's outcome. */
export type SessionStep = { readonly state: SessionState; readonly effects: readonly SessionEffect[]; readonly refusal?: SessionRefusal };

/** Limits of the restart request (protocols.md §2.3: 5 per minute, at least 5 s apart in Jicofo). */
export type RestartLimits = { readonly minIntervalMs: number; readonly perMinute: number };

/** A session that has not started. */
export const newSession = (): SessionState => ({ phase: 'new', generation: 0, restartsMs: [] });

/** Whether another restart is allowed now; also returns the window to keep. */
export function mayRestart(restartsMs: readonly number[], nowMs: number, limits: RestartLimits): { readonly isAllowed: boolean; readonly window: readonly number[] } {
  const window = restartsMs.filter((at) => nowMs - at < 60_000);
  const last = window[window.length - 1];
  const isAllowed = window.length < limits.perMinute && (last === undefined || nowMs - last >= limits.minIntervalMs);
  return { isAllowed, window };
}

const same = (state: SessionState, refusal?: SessionRefusal): SessionStep => (refusal === undefined ? { state, effects: [] } : { state, effects: [], refusal });

const invite = (s: SessionState, restartsMs: readonly number[]): SessionState => ({ phase: 'inviting', generation: s.generation + 1, restartsMs });

/** Advances a session by one input. */
export function stepSession(s: SessionState, input: SessionInput, limits: RestartLimits): SessionStep {
  switch (input.kind) {
    case 'invite': {
      if (s.phase !== 'new') return same(s);
      const next = invite(s, s.restartsMs);
      return { state: next, effects: [{ kind: 'allocate', generation: next.generation }] };
    }
    case 'allocated': {
      if (s.phase !== 'inviting' || input.generation !== s.generation) return same(s);
      return {
        state: { ...s, phase: 'offered', sid: input.sid, bridgeSessionId: input.bridgeSessionId },
        effects: [{ kind: 'send-initiate', sid: input.sid, bridgeSessionId: input.bridgeSessionId }],
      };
    }
    case 'invite-failed': {
      if ((s.phase !== 'inviting' && s.phase !== 'offered') || input.generation !== s.generation) return same(s);
      // Back to new: the driver invites again when a bridge becomes available.
      return { state: { phase: 'new', generation: s.generation, restartsMs: s.restartsMs }, effects: [{ kind: 'expire-endpoint' }] };
    }
    case 'accept': {
      if (s.phase !== 'offered' || input.sid !== s.sid) return same(s, 'unknown-session');
      return { state: { ...s, phase: 'active' }, effects: [{ kind: 'activate' }] };
    }
    case 'sources': {
      if (s.phase !== 'active' || input.sid !== s.sid) return same(s, 'unknown-session');
      return same(s);
    }
    case 'terminate': {
      if ((s.phase !== 'offered' && s.phase !== 'active') || input.sid !== s.sid) return same(s, 'unknown-session');
      const ending: SessionEffect[] = s.phase === 'active' ? [{ kind: 'remove-sources' }, { kind: 'expire-endpoint' }] : [{ kind: 'expire-endpoint' }];
      if (!input.isRestart) return { state: { phase: 'ended', generation: s.generation, restartsMs: s.restartsMs }, effects: ending };
      const { isAllowed, window } = mayRestart(s.restartsMs, input.nowMs, limits);
      if (!isAllowed) return { state: { phase: 'ended', generation: s.generation, restartsMs: window }, effects: ending, refusal: 'restart-rate' };
      const next = invite(s, [...window, input.nowMs]);
      return { state: next, effects: [...ending, { kind: 'allocate', generation: next.generation }] };
    }
    case 'move': {
      if (s.phase !== 'inviting' && s.phase !== 'offered' && s.phase !== 'active') return same(s);
      const ending: SessionEffect[] = s.phase === 'active' ? [{ kind: 'remove-sources' }, { kind: 'expire-endpoint' }] : [{ kind: 'expire-endpoint' }];
      const next = invite(s, s.restartsMs);
      return { state: next, effects: [...ending, { kind: 'allocate', generation: next.generation }] };
    }
    case 'left': {
      if (s.phase === 'ended') return same(s);
      const effects: SessionEffect[] = s.phase === 'active' ? [{ kind: 'remove-sources' }, { kind: 'expire-endpoint' }]
        : s.phase === 'new' ? [] : [{ kind: 'expire-endpoint' }];
      return { state: { phase: 'ended', generation: s.generation + 1, restartsMs: s.restartsMs }, effects };
    }
  }
}
