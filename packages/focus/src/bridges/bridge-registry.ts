// The bridges this focus knows, from their brewery presence (protocols.md §4): stats as last
// published, endpoints this focus placed on them, recent COLIBRI2 failures. Health: a bridge that
// says `healthy=false`, leaves the brewery, stays silent longer than `healthTimeoutMs`, or fails
// the focus's health checks (bridge-health-checker.ts: a hung bridge keeps its sockets open and so
// never leaves) takes no new conferences, and conferences on it move to another bridge
// (conference/conference-bridge-move.ts). A bridge that starts draining or a graceful shutdown
// keeps working but asks to be left: `bridgeLeaving` tells the conferences on it to move when
// there is a better bridge.
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { BridgeStats } from '@plenum/xmpp/codec';
import type { BridgeAddress } from '../ports.ts';
import type { BridgeCandidate } from './bridge-selector.ts';

/** Why a bridge stopped taking new endpoints. */
export type BridgeDownReason = 'left' | 'unhealthy' | 'shutting-down' | 'silent' | 'unresponsive';

/** Events of the registry. */
export type BridgeRegistryEvents = {
  /** A bridge became usable (joined, or healthy again). */
  bridgeUp: [id: string];
  /** A bridge stopped being usable; conferences on it move to another one. */
  bridgeDown: [id: string, reason: BridgeDownReason];
  /** A usable bridge started draining or a graceful shutdown: its conferences should move when they can. */
  bridgeLeaving: [id: string, reason: BridgeLeaveReason];
};

/** Why conferences should leave a bridge that still works. */
export type BridgeLeaveReason = 'drain' | 'graceful-shutdown';

/** Settings of the registry (plain values from the config). */
export type BridgeRegistryOptions = {
  readonly healthTimeoutMs: number;
  readonly failureResetMs: number;
  readonly participantRampupMs: number;
  readonly defaultAverageParticipantStress: number;
};

type BridgeEntry = {
  readonly id: string;
  readonly jid: string;
  stats: BridgeStats;
  lastPresenceMs: number;
  endpoints: number;
  recentAddsMs: number[];
  failedAtMs: number | undefined;
  /** Failed its last health check (no answer, or an error): down until it passes one. */
  unresponsive: boolean;
  isUsable: boolean;
  isLeaving: boolean;
};

/** Known bridges by brewery nickname. */
export class BridgeRegistry {
  readonly events: TypedEmitter<BridgeRegistryEvents>;
  readonly #bridges = new Map<string, BridgeEntry>();

  constructor(private readonly deps: { readonly log: Logger; readonly options: BridgeRegistryOptions }) {
    this.events = new TypedEmitter<BridgeRegistryEvents>(deps.log);
  }

  get size(): number {
    return this.#bridges.size;
  }

  /** A brewery presence with stats from `jid` (the occupant JID, nick = id). */
  update(id: string, jid: string, stats: BridgeStats, nowMs: number): void {
    let entry = this.#bridges.get(id);
    if (entry === undefined) {
      entry = { id, jid, stats, lastPresenceMs: nowMs, endpoints: 0, recentAddsMs: [], failedAtMs: undefined, unresponsive: false, isUsable: false, isLeaving: false };
      this.#bridges.set(id, entry);
      this.deps.log.info('bridge joined', { bridge: id, region: stats.region, version: stats.version, stress: stats.stressLevel });
    }
    entry.stats = stats;
    entry.lastPresenceMs = nowMs;
    this.#refresh(entry, nowMs);
  }

  /** The bridge left the brewery. */
  remove(id: string): void {
    const entry = this.#bridges.get(id);
    if (entry === undefined) return;
    this.#bridges.delete(id);
    this.deps.log.info('bridge left', { bridge: id });
    if (entry.isUsable) this.events.emit('bridgeDown', id, 'left');
  }

  /** Forgets every bridge (the XMPP connection dropped: the brewery will be rejoined). */
  clear(): void {
    for (const id of [...this.#bridges.keys()]) this.remove(id);
  }

  /** Every known bridge's address (what the health checker asks). */
  addresses(): BridgeAddress[] {
    return [...this.#bridges.values()].map((e) => ({ id: e.id, jid: e.jid }));
  }

  /** The result of a health check: a failure takes the bridge down, a pass brings it back. */
  healthChecked(id: string, passed: boolean, nowMs: number): void {
    const entry = this.#bridges.get(id);
    if (entry === undefined || entry.unresponsive === !passed) return;
    entry.unresponsive = !passed;
    this.#refresh(entry, nowMs);
  }

  /** Marks bridges that stopped publishing stats as unhealthy. */
  sweep(nowMs: number): void {
    for (const entry of this.#bridges.values()) this.#refresh(entry, nowMs);
  }

  address(id: string): BridgeAddress | undefined {
    const entry = this.#bridges.get(id);
    return entry === undefined ? undefined : { id: entry.id, jid: entry.jid };
  }

  /** True when the bridge is known and takes new endpoints. */
  isUsable(id: string, nowMs: number): boolean {
    const entry = this.#bridges.get(id);
    return entry !== undefined && this.#downReason(entry, nowMs) === undefined;
  }

  /**
   * Why conferences should leave the bridge: `down` (unknown or not usable), `drain`,
   * `graceful-shutdown`; undefined when it is fine to stay.
   */
  leaveReason(id: string, nowMs: number): BridgeDownReason | BridgeLeaveReason | undefined {
    const entry = this.#bridges.get(id);
    if (entry === undefined) return 'left';
    return this.#downReason(entry, nowMs) ?? leavingReason(entry.stats);
  }

  region(id: string): string | undefined {
    return this.#bridges.get(id)?.stats.region;
  }

  /** This focus placed an endpoint on the bridge (counts towards its corrected stress for the rampup time). */
  endpointAdded(id: string, nowMs: number): void {
    const entry = this.#bridges.get(id);
    if (entry === undefined) return;
    entry.endpoints++;
    entry.recentAddsMs = entry.recentAddsMs.filter((at) => nowMs - at < this.deps.options.participantRampupMs);
    entry.recentAddsMs.push(nowMs);
  }

  endpointRemoved(id: string): void {
    const entry = this.#bridges.get(id);
    if (entry !== undefined && entry.endpoints > 0) entry.endpoints--;
  }

  /** A COLIBRI2 request failed: the bridge is avoided for `failureResetMs`. */
  markFailed(id: string, nowMs: number): void {
    const entry = this.#bridges.get(id);
    if (entry === undefined) return;
    entry.failedAtMs = nowMs;
    this.deps.log.warn('bridge marked non-operational', { bridge: id });
  }

  /** Everything the selector needs, for every known bridge. */
  candidates(nowMs: number): BridgeCandidate[] {
    return [...this.#bridges.values()].map((e) => {
      const avg = e.stats.averageParticipantStress ?? Number.NaN;
      return {
        id: e.id,
        stressLevel: e.stats.stressLevel,
        averageParticipantStress: Number.isFinite(avg) && avg >= 0 ? avg : this.deps.options.defaultAverageParticipantStress,
        recentEndpointAddsMs: e.recentAddsMs,
        ...(e.stats.region !== undefined ? { region: e.stats.region } : {}),
        isHealthy: e.stats.healthy && !e.unresponsive && nowMs - e.lastPresenceMs <= this.deps.options.healthTimeoutMs,
        isShuttingDown: e.stats.shuttingDown,
        isDraining: e.stats.drain,
        isInGracefulShutdown: e.stats.gracefulShutdown,
        isOperational: e.failedAtMs === undefined || nowMs - e.failedAtMs >= this.deps.options.failureResetMs,
      };
    });
  }

  /** A JSON-friendly summary for logs, `stats()` and `plenum status`. */
  snapshot(nowMs: number): BridgeSnapshot[] {
    return [...this.#bridges.values()].map((e) => ({
      id: e.id, endpoints: e.endpoints, usable: this.#downReason(e, nowMs) === undefined, stress: e.stats.stressLevel,
      ...(e.stats.region !== undefined ? { region: e.stats.region } : {}),
      draining: e.stats.drain, gracefulShutdown: e.stats.gracefulShutdown, healthy: e.stats.healthy,
      conferences: e.stats.conferences ?? 0, reportedEndpoints: e.stats.endpoints ?? e.stats.participants ?? 0,
    }));
  }

  #downReason(e: BridgeEntry, nowMs: number): BridgeDownReason | undefined {
    if (e.stats.shuttingDown) return 'shutting-down';
    if (!e.stats.healthy) return 'unhealthy';
    if (e.unresponsive) return 'unresponsive';
    if (nowMs - e.lastPresenceMs > this.deps.options.healthTimeoutMs) return 'silent';
    return undefined;
  }

  #refresh(entry: BridgeEntry, nowMs: number): void {
    const reason = this.#downReason(entry, nowMs);
    const isUsable = reason === undefined;
    const leaving = leavingReason(entry.stats);
    const wasLeaving = entry.isLeaving;
    entry.isLeaving = leaving !== undefined;
    if (isUsable && entry.isUsable && leaving !== undefined && !wasLeaving) {
      this.deps.log.info('bridge asks to be left', { bridge: entry.id, reason: leaving });
      this.events.emit('bridgeLeaving', entry.id, leaving);
    }
    if (isUsable === entry.isUsable) return;
    entry.isUsable = isUsable;
    if (isUsable) {
      this.deps.log.info('bridge usable', { bridge: entry.id });
      this.events.emit('bridgeUp', entry.id);
    } else {
      this.deps.log.warn('bridge not usable', { bridge: entry.id, reason });
      this.events.emit('bridgeDown', entry.id, reason as BridgeDownReason);
    }
  }
}

/** One bridge as `snapshot()` reports it. */
export type BridgeSnapshot = {
  id: string;
  /** Endpoints this focus placed on it. */
  endpoints: number;
  usable: boolean;
  stress: number;
  region?: string;
  draining: boolean;
  gracefulShutdown: boolean;
  /** As the bridge last reported: `healthy`, `conferences`, `endpoints` (all focuses' together). */
  healthy: boolean;
  conferences: number;
  reportedEndpoints: number;
};

function leavingReason(stats: BridgeStats): BridgeLeaveReason | undefined {
  if (stats.gracefulShutdown) return 'graceful-shutdown';
  if (stats.drain) return 'drain';
  return undefined;
}
