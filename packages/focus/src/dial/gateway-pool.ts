// The jigasi brewery (protocols.md §7): SIP gateways sit in `jigasibrewery@internal…` and publish
// colibri `<stats>` (supports_sip, participants, graceful_shutdown, region) in their presence;
// leaving the room removes them. Mirrors recording/recorder-pool.ts for the jibri brewery.
import type { Logger } from '@plenum/kit';
import type { El, JigasiStats } from '@plenum/xmpp/codec';
import { NS_MUC_USER, child, decodeJigasiStats, decodeMucUserX } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';
import { joinPresence, leavePresence } from '../room/room-stanzas.ts';

/** One gateway the focus knows of. */
export type Gateway = {
  readonly nick: string;
  /** Where dial IQs go: its real JID when the brewery shows it, else its occupant JID. */
  readonly jid: string;
  stats: JigasiStats;
  /** Calls handed to it since its last stats presence (which will count them). */
  pendingCalls: number;
  lastFailedMs: number;
};

/** One gateway in the focus's status (GET /stats). */
export type GatewaySnapshot = { readonly id: string; readonly calls: number; readonly gracefulShutdown: boolean; readonly region: string | null };

/** A gateway that failed a dial is avoided this long (Jicofo's failure reset for jibri/jigasi). */
const FAILURE_BACKOFF_MS = 60_000;

export class GatewayPool {
  readonly #gateways = new Map<string, Gateway>();

  constructor(private readonly deps: { readonly channel: StanzaChannel; readonly log: Logger; readonly focusJid: string; readonly breweryJid: string; readonly nick: string }) {}

  join(): void {
    this.deps.channel.send(joinPresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  leave(): void {
    this.deps.channel.send(leavePresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  /** The connection dropped: nobody is in the brewery as far as we know. */
  clear(): void {
    this.#gateways.clear();
  }

  get size(): number {
    return this.#gateways.size;
  }

  /** What the status endpoint lists: each gateway's nick, calls, region and whether it is shutting down. */
  snapshot(): GatewaySnapshot[] {
    return [...this.#gateways.values()].map((g) => ({
      id: g.nick, calls: g.stats.participants, gracefulShutdown: g.stats.gracefulShutdown, region: g.stats.region ?? null,
    }));
  }

  /** True when some gateway can place SIP calls (the conference response's `sipGatewayEnabled`). */
  get hasSipGateway(): boolean {
    for (const g of this.#gateways.values()) if (g.stats.supportsSip && !g.stats.gracefulShutdown) return true;
    return false;
  }

  /** True when the presence came from the jigasi brewery (and was handled). */
  handlePresence(presence: El): boolean {
    const from = presence.attrs.from ?? '';
    const prefix = `${this.deps.breweryJid}/`;
    if (from.toLowerCase() !== this.deps.breweryJid && !from.toLowerCase().startsWith(prefix)) return false;
    const nick = from.slice(prefix.length);
    if (nick === this.deps.nick || nick === '') return true;
    if (presence.attrs.type === 'unavailable') {
      if (this.#gateways.delete(nick)) this.deps.log.info('sip gateway left', { gateway: nick });
      return true;
    }
    if (presence.attrs.type !== undefined) return true;
    const stats = decodeJigasiStats(presence);
    if (!stats.ok || stats.value === undefined) {
      if (!stats.ok) this.deps.log.warn('sip gateway stats malformed', { gateway: nick, code: stats.error.code });
      return true;
    }
    const known = this.#gateways.get(nick);
    if (known !== undefined) {
      known.stats = stats.value;
      known.pendingCalls = 0;
      return true;
    }
    this.#gateways.set(nick, { nick, jid: realJidOf(presence) ?? from, stats: stats.value, pendingCalls: 0, lastFailedMs: Number.NEGATIVE_INFINITY });
    this.deps.log.info('sip gateway joined', { gateway: nick, ...stats.value });
    return true;
  }

  /**
   * A SIP-capable gateway not shutting down, not in `exclude` and not failed recently: in `region`
   * when one is there, fewest calls first. The pick counts one more call until its next stats.
   */
  select(nowMs: number, region: string | undefined, exclude: ReadonlySet<string>): Gateway | undefined {
    let best: Gateway | undefined;
    let bestKey = Number.POSITIVE_INFINITY;
    for (const g of this.#gateways.values()) {
      if (!g.stats.supportsSip || g.stats.gracefulShutdown || exclude.has(g.nick) || nowMs - g.lastFailedMs < FAILURE_BACKOFF_MS) continue;
      // Region first (outside it costs more than any load), then load.
      const outside = region !== undefined && g.stats.region !== region ? 1e9 : 0;
      const key = outside + g.stats.participants + g.pendingCalls;
      if (key < bestKey) {
        best = g;
        bestKey = key;
      }
    }
    if (best !== undefined) best.pendingCalls++;
    return best;
  }

  failed(nick: string, nowMs: number): void {
    const g = this.#gateways.get(nick);
    if (g === undefined) return;
    g.lastFailedMs = nowMs;
    g.pendingCalls = Math.max(0, g.pendingCalls - 1);
  }
}

function realJidOf(presence: El): string | undefined {
  const x = child(presence, 'x', NS_MUC_USER);
  if (x === undefined) return undefined;
  const decoded = decodeMucUserX(x);
  return decoded.ok ? decoded.value.items[0]?.jid : undefined;
}
