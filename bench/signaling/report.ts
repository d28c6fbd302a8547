// Turns the workers' per-participant records into the figures of one round (rates, latency
// percentiles, placement, correctness), and prints them as a table.
import type { CpuUse } from './cpu.ts';
import type { ParticipantRecord, WorkerResult } from './protocol.ts';

/** Issue target: p99 MUC join → session-initiate under this on loopback. */
export const TARGET_P99_MS = 50;
/** Above this much CPU of other processes (% of one core) the report warns that the machine was busy. */
export const BUSY_MACHINE_PERCENT = 15;
/** Jitsi's own CI budget for the same step (MUC join → session-initiate). */
export const JITSI_BUDGET_MS = 600;

/** Exact percentiles (nearest rank) of a few hundred samples. */
export type Distribution = { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };

/** What a bridge's /colibri/stats said after the burst, before anyone left. */
export type BridgeCount = { readonly conferences: number; readonly endpoints: number; readonly conferencesCreated: number; readonly participantsCreated: number };

/** Everything measured in one round. */
export type RoundSummary = {
  readonly label: string;
  readonly conferences: number;
  readonly participantsPerConference: number;
  readonly endpoints: number;
  /** The common start, in process.hrtime ms (CLOCK_MONOTONIC, also the clock of CPU profiles). */
  readonly startHrMs: number;
  readonly loginMs: number;
  /** Milliseconds after the common start. */
  readonly lastReadyMs: number;
  readonly lastInitiateMs: number;
  readonly lastAcceptedMs: number;
  readonly sourcesSettledMs: number | null;
  /** Conference requests answered ready per second: rooms created and configured by the focus. */
  readonly conferencesReadyPerSecond: number;
  /** Endpoints allocated on a bridge and offered (session-initiate received) per second. */
  readonly endpointsPerSecond: number;
  /** Conferences with every participant offered, per second (same window). */
  readonly conferencesPerSecond: number;
  readonly latency: {
    /** Conference request sent → result (ready). */
    readonly ready: Distribution;
    /** MUC join sent → session-initiate received: the figure. */
    readonly joinToInitiate: Distribution;
    /** Conference request sent → session-initiate received: what a user waits. */
    readonly requestToInitiate: Distribution;
    /** session-accept sent → result. */
    readonly accept: Distribution;
    /**
     * Join → session-initiate by the order in which a conference's participants got their offer
     * (index 0: the first of each conference). The focus sends one COLIBRI2 request per
     * conference at a time, so later participants wait for earlier allocations.
     */
    readonly joinToInitiateByOrder: readonly Distribution[];
  };
  /** Per bridge id: conferences and endpoints as the offers say, and as the bridge's stats say. */
  readonly placement: Readonly<Record<string, { readonly conferences: number; readonly endpoints: number; readonly stats: BridgeCount | null }>>;
  readonly checks: Checks;
  /** Queries other than the offer the participants received, by kind (source-add, disco#info, …). */
  readonly received: Readonly<Record<string, number>>;
  readonly generatorEventLoopDelay: { readonly p99Ms: number; readonly maxMs: number };
  /** CPU from the start to the last session-initiate, and to sources settled. */
  readonly cpuToLastInitiate: CpuUse | null;
  readonly cpuToSettled: CpuUse | null;
  /** CPU from the start to 1 s after sources settled, before the leave: everything the round cost. */
  readonly cpuToTail: CpuUse | null;
  /** After everyone left: ms until no bridge had a conference or endpoint and every room was gone (null: not within the deadline). */
  readonly cleanupMs: number | null;
};

/** Correctness of a round; any non-zero count other than otherErrors' breakdown means the figures are wrong. */
export type Checks = {
  /** Participants without a session-initiate. */
  readonly missingOffers: number;
  /** Participants with more than one. */
  readonly duplicateOffers: number;
  /** Participants whose conference ended up on two bridges or two meeting ids. */
  readonly splitConferences: number;
  /** Offers or session-accepts the bridges' stats do not account for. */
  readonly bridgeCountMismatch: number;
  /** Participants whose view of the others' sources was not exactly right after settling. */
  readonly incompleteSourceViews: number;
  /** Participants with any error, by first reason (truncated). */
  readonly errors: Readonly<Record<string, number>>;
  readonly firstProblem: string | null;
  readonly isCorrect: boolean;
};

/** Exact nearest-rank percentiles. */
export function distribution(samples: readonly number[]): Distribution {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
  return { count: s.length, p50: at(50), p99: at(99), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

const diffs = (rs: readonly ParticipantRecord[], from: (r: ParticipantRecord) => number | undefined, to: (r: ParticipantRecord) => number | undefined): number[] =>
  rs.flatMap((r) => {
    const a = from(r);
    const b = to(r);
    return a !== undefined && b !== undefined ? [b - a] : [];
  });

/** Inputs of {@link summarize} besides the workers' reports. */
export type RoundContext = {
  readonly label: string;
  readonly conferences: number;
  readonly participantsPerConference: number;
  readonly startHrMs: number;
  readonly loginMs: number;
  /** Per bridge: /colibri/stats after the burst, before anyone left (null when unreadable). */
  readonly bridgeCounts: Readonly<Record<string, BridgeCount | null>>;
  readonly cpuToLastInitiate: CpuUse | null;
  readonly cpuToSettled: CpuUse | null;
  readonly cpuToTail: CpuUse | null;
  readonly cleanupMs: number | null;
};

/** The figures of one round. */
export function summarize(ctx: RoundContext, workers: readonly WorkerResult[]): RoundSummary {
  const rs = workers.flatMap((w) => w.participants);
  const endpoints = ctx.conferences * ctx.participantsPerConference;
  const rel = (t: number | undefined): number => (t === undefined ? NaN : t - ctx.startHrMs);
  const lastOf = (pick: (r: ParticipantRecord) => number | undefined): number => {
    const times = rs.map((r) => rel(pick(r))).filter((x) => !Number.isNaN(x));
    return times.length === 0 ? NaN : Math.max(...times);
  };
  const lastReadyMs = lastOf((r) => r.readyMs);
  const lastInitiateMs = lastOf((r) => r.initiateMs);
  const settled = workers.map((w) => w.settledMs);
  const sourcesSettledMs = settled.every((s) => s !== undefined) ? Math.max(...settled.map((s) => rel(s))) : null;

  const placement: Record<string, { conferences: number; endpoints: number; stats: BridgeCount | null }> = {};
  for (const [id, stats] of Object.entries(ctx.bridgeCounts)) placement[id] = { conferences: 0, endpoints: 0, stats };
  const byRoom = new Map<string, ParticipantRecord[]>();
  for (const r of rs) byRoom.set(r.room, [...(byRoom.get(r.room) ?? []), r]);
  let splitConferences = 0;
  for (const members of byRoom.values()) {
    const targets = new Set(members.filter((r) => r.bridgeId !== undefined).map((r) => `${r.bridgeId ?? ''} ${r.meetingId ?? ''}`));
    if (targets.size > 1) splitConferences++;
    const bridge = members.find((r) => r.bridgeId !== undefined)?.bridgeId;
    const entry = bridge === undefined ? undefined : placement[bridge];
    if (entry === undefined) continue;
    entry.conferences++;
    entry.endpoints += members.filter((r) => r.bridgeId !== undefined).length;
  }
  const offered = rs.filter((r) => r.bridgeId !== undefined).length;
  const stats = Object.values(ctx.bridgeCounts);
  const bridgeCountMismatch = stats.some((s) => s === null) ? offered
    : Math.abs(stats.reduce((n, s) => n + (s?.endpoints ?? 0), 0) - offered)
      + Math.abs(stats.reduce((n, s) => n + (s?.conferences ?? 0), 0) - byRoom.size);

  const errors: Record<string, number> = {};
  for (const r of rs) if (r.error !== undefined) errors[r.error.slice(0, 120)] = (errors[r.error.slice(0, 120)] ?? 0) + 1;
  const missingOffers = endpoints - rs.filter((r) => r.initiates > 0).length;
  const duplicateOffers = rs.filter((r) => r.initiates > 1).length;
  const accepted = rs.filter((r) => r.acceptedMs !== undefined && r.error === undefined).length;
  const incompleteSourceViews = accepted - workers.reduce((n, w) => n + w.sourceViewsComplete, 0);
  const firstProblem = rs.find((r) => r.error !== undefined)?.error ?? workers.find((w) => w.firstSourceProblem !== undefined)?.firstSourceProblem ?? null;
  const isCorrect = missingOffers === 0 && duplicateOffers === 0 && splitConferences === 0 && bridgeCountMismatch === 0
    && incompleteSourceViews === 0 && Object.keys(errors).length === 0 && ctx.cleanupMs !== null;
  const received: Record<string, number> = {};
  for (const w of workers) for (const [k, v] of Object.entries(w.received)) received[k] = (received[k] ?? 0) + v;

  return {
    label: ctx.label, conferences: ctx.conferences, participantsPerConference: ctx.participantsPerConference, endpoints,
    startHrMs: ctx.startHrMs, loginMs: ctx.loginMs,
    lastReadyMs, lastInitiateMs, lastAcceptedMs: lastOf((r) => r.acceptedMs), sourcesSettledMs,
    conferencesReadyPerSecond: (1000 * byRoom.size) / lastReadyMs,
    endpointsPerSecond: (1000 * offered) / lastInitiateMs,
    conferencesPerSecond: (1000 * [...byRoom.values()].filter((m) => m.every((r) => r.initiates > 0)).length) / lastInitiateMs,
    latency: {
      ready: distribution(diffs(rs, (r) => r.requestSentMs, (r) => r.readyMs)),
      joinToInitiate: distribution(diffs(rs, (r) => r.joinSentMs, (r) => r.initiateMs)),
      requestToInitiate: distribution(diffs(rs, (r) => r.requestSentMs, (r) => r.initiateMs)),
      accept: distribution(diffs(rs, (r) => r.acceptSentMs, (r) => r.acceptedMs)),
      joinToInitiateByOrder: byOrder(byRoom, ctx.participantsPerConference),
    },
    placement,
    checks: { missingOffers, duplicateOffers, splitConferences, bridgeCountMismatch, incompleteSourceViews, errors, firstProblem, isCorrect },
    received,
    generatorEventLoopDelay: { p99Ms: Math.max(...workers.map((w) => w.eventLoopDelayP99Ms)), maxMs: Math.max(...workers.map((w) => w.eventLoopDelayMaxMs)) },
    cpuToLastInitiate: ctx.cpuToLastInitiate, cpuToSettled: ctx.cpuToSettled, cpuToTail: ctx.cpuToTail, cleanupMs: ctx.cleanupMs,
  };
}

function byOrder(byRoom: ReadonlyMap<string, readonly ParticipantRecord[]>, size: number): Distribution[] {
  const samples: number[][] = Array.from({ length: size }, () => []);
  for (const members of byRoom.values()) {
    const offered = members.filter((r) => r.initiateMs !== undefined && r.joinSentMs !== undefined)
      .sort((a, b) => (a.initiateMs ?? 0) - (b.initiateMs ?? 0));
    offered.forEach((r, i) => samples[i]?.push((r.initiateMs ?? 0) - (r.joinSentMs ?? 0)));
  }
  return samples.map(distribution);
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
const num = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const ordinal = (n: number): string => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
const dist = (d: Distribution): string => `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`;

/** The verdict on the target. */
export function verdict(s: RoundSummary): string {
  const p99 = s.latency.joinToInitiate.p99;
  if (!s.checks.isCorrect) return `target (p99 join → session-initiate < ${TARGET_P99_MS} ms): not assessed, the run had errors`;
  return `target (p99 join → session-initiate < ${TARGET_P99_MS} ms): ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'} (p99 ${ms(p99)} ms; Jitsi's CI budget is ${JITSI_BUDGET_MS} ms)`;
}

/** The human-readable report of the measured round. */
export function formatTable(s: RoundSummary, header: string): string {
  const rows: [string, string][] = [
    ['conferences × participants', `${s.conferences} × ${s.participantsPerConference} = ${s.endpoints} endpoints`],
    ['login (not measured)', `${ms(s.loginMs)} ms`],
    ['last ready / offer / accept', `${ms(s.lastReadyMs)} / ${ms(s.lastInitiateMs)} / ${ms(s.lastAcceptedMs)} ms after the start`],
    ['sources settled everywhere', s.sourcesSettledMs === null ? 'NOT within the deadline' : `${ms(s.sourcesSettledMs)} ms after the start`],
    ['endpoints allocated / s', num(s.endpointsPerSecond)],
    ['conferences allocated / s', num(s.conferencesPerSecond)],
    ['conferences ready / s', num(s.conferencesReadyPerSecond)],
    ['latency ms (p50 / p99 / max)', ''],
    ['  join → session-initiate', dist(s.latency.joinToInitiate)],
    ['  request → ready', dist(s.latency.ready)],
    ['  request → session-initiate', dist(s.latency.requestToInitiate)],
    ['  session-accept → result', dist(s.latency.accept)],
  ];
  if (s.participantsPerConference > 1 && s.participantsPerConference <= 10) {
    s.latency.joinToInitiateByOrder.forEach((d, i) => rows.push([`  join → offer, ${ordinal(i + 1)} in its conference`, dist(d)]));
  }
  for (const [id, p] of Object.entries(s.placement)) {
    const st = p.stats === null ? 'stats unreadable' : `bridge says ${p.stats.conferences} / ${p.stats.endpoints}`;
    rows.push([`bridge ${id}: conferences / endpoints`, `${p.conferences} / ${p.endpoints} (${st})`]);
  }
  const cpu = (label: string, c: CpuUse | null): void => {
    if (c === null) return;
    rows.push([`CPU ${label} (${ms(c.wallSeconds * 1000)} ms)`, 'CPU ms (% of one core)']);
    for (const p of c.processes) rows.push([`  ${p.name}`, `${ms(p.cpuSeconds * 1000)} (${ms(p.percentOfCore)} %)`]);
    rows.push(
      ['  interrupts / steal / other', `${ms(c.interruptsPercentOfCore)} / ${ms(c.stealPercentOfCore)} / ${ms(c.otherPercentOfCore)} % of a core`],
      ['  machine (all cores)', `${ms(c.machinePercent)} %`],
    );
  };
  cpu('start → last offer', s.cpuToLastInitiate);
  cpu('start → sources settled', s.cpuToSettled);
  cpu('start → settled + 1 s, the whole round', s.cpuToTail);
  rows.push(
    ['generator event-loop delay', `p99 ${ms(s.generatorEventLoopDelay.p99Ms)} ms, max ${ms(s.generatorEventLoopDelay.maxMs)} ms`],
    ['other queries received', Object.entries(s.received).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'],
    ['cleanup after leaving', s.cleanupMs === null ? 'bridges or rooms NOT empty within the deadline' : `${ms(s.cleanupMs)} ms until bridges and rooms were empty`],
  );
  const c = s.checks;
  rows.push(
    ['missing / duplicate offers', `${c.missingOffers} / ${c.duplicateOffers}`],
    ['split conferences / bridge mismatch', `${c.splitConferences} / ${c.bridgeCountMismatch}`],
    ['incomplete source views', String(c.incompleteSourceViews)],
    ['participant errors', String(Object.values(c.errors).reduce((a, b) => a + b, 0))],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [header, '', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ''];
  if (!c.isCorrect) {
    lines.push('SIGNALING ERRORS:');
    for (const [reason, n] of Object.entries(c.errors)) lines.push(`  ${n} × ${reason}`);
    if (c.firstProblem !== null) lines.push(`  first problem: ${c.firstProblem}`);
  }
  const other = Math.max(s.cpuToLastInitiate?.otherPercentOfCore ?? 0, s.cpuToSettled?.otherPercentOfCore ?? 0);
  if (other > BUSY_MACHINE_PERCENT) lines.push(`WARNING: other processes used ${ms(other)} % of a core meanwhile; on a busy machine the figures are unreliable`);
  lines.push(verdict(s));
  return lines.join('\n');
}

/** The limits and options a run sets, with their defaults (`--xmpp prosody` prints them: what Prosody was told). */
export function formatSettings(settings: readonly { readonly variable: string; readonly defaultValue: string; readonly value: string; readonly why: string }[]): string {
  const lines = ['settings this run sets (default → value: why)'];
  for (const l of settings) lines.push(`  ${l.variable}: ${l.defaultValue} → ${l.value}: ${l.why}`);
  return lines.join('\n');
}
