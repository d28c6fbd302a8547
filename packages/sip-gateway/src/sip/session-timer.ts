// Session timers (RFC 4028) as pure decisions: what interval and refresher a request or response
// settles on, and when to refresh or give up.
import { MIN_SESSION_EXPIRES_SECONDS } from './config.ts';

export type Refresher = 'uac' | 'uas';

/** The timer a dialog runs; `refresher` names the role (of the transaction that set it) that refreshes. */
export type SessionTimer = { readonly intervalSeconds: number; readonly refresher: Refresher };

export type SessionTimerRequest = {
  /** Session-Expires of the request, if any. */
  readonly sessionExpires: string | undefined;
  readonly minSe: string | undefined;
  /** Whether the sender listed `timer` in Supported or Require. */
  readonly supportsTimer: boolean;
};

export type SessionTimerDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'run'; readonly timer: SessionTimer }
  /** §6: 422 Session Interval Too Small, with our Min-SE. */
  | { readonly kind: 'too-small'; readonly minSeconds: number };

/** Parses `1800;refresher=uac`. */
export function parseSessionExpires(value: string | undefined): { seconds: number; refresher: Refresher | undefined } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,9})\s*((?:;[^;]*)*)$/.exec(value);
  if (m === null) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { seconds: Number(m[1]), refresher: refresher === 'uac' || refresher === 'uas' ? refresher : undefined };
}

/** §9: what a UAS answers to an INVITE, re-INVITE or UPDATE. */
export function decideAsUas(request: SessionTimerRequest, ourMaxSeconds: number): SessionTimerDecision {
  const asked = parseSessionExpires(request.sessionExpires);
  const minSe = Math.max(MIN_SESSION_EXPIRES_SECONDS, Number(/^\s*(\d{1,9})/.exec(request.minSe ?? '')?.[1] ?? 0));
  if (asked === undefined) {
    if (!request.supportsTimer) return { kind: 'none' };
    // §9: the UAS may start a timer when the UAC supports it. We refresh ourselves: a phone that
    // claims support but never refreshes would otherwise lose its call at expiry.
    return { kind: 'run', timer: { intervalSeconds: Math.max(minSe, ourMaxSeconds), refresher: 'uas' } };
  }
  if (asked.seconds < MIN_SESSION_EXPIRES_SECONDS) return { kind: 'too-small', minSeconds: MIN_SESSION_EXPIRES_SECONDS };
  // We may shorten the interval but never below the Min-SE the request carries.
  const intervalSeconds = Math.max(minSe, Math.min(asked.seconds, ourMaxSeconds));
  // §9: a request without refresher lets the UAS choose; we choose ourselves (see above).
  const refresher = asked.refresher ?? 'uas';
  return { kind: 'run', timer: { intervalSeconds, refresher } };
}

/** §7.2: what a UAC runs after a 2xx; a response without Session-Expires means no timer. */
export function decideAsUac(responseSessionExpires: string | undefined): SessionTimer | undefined {
  const answered = parseSessionExpires(responseSessionExpires);
  if (answered === undefined) return undefined;
  return { intervalSeconds: answered.seconds, refresher: answered.refresher ?? 'uac' };
}

/** §10: the refresher refreshes at half the interval; the other side gives up a little before expiry. */
export function refreshDelayMs(timer: SessionTimer): number {
  return (timer.intervalSeconds * 1000) / 2;
}

export function expiryDelayMs(timer: SessionTimer): number {
  return (timer.intervalSeconds - Math.min(32, timer.intervalSeconds / 3)) * 1000;
}
