// When a component's connection drops, the server makes it leave every room it was in (it sends
// `unavailable` for each directed presence, XEP-0114 has no presence of its own). For the focus that
// is exactly wrong during a takeover: Jitsi's client ends the conference when the focus occupant
// leaves (FOCUS_LEFT, protocols.md §12), though a standby focus reconnects as the same component
// within a second and rejoins each room as `focus` a few seconds later. For the domains configured
// here the leave is held back for `holdMs`: a rejoin from the same full JID in that time is a
// resync in the room (room-presence.ts: roster and self-presence to the new focus, a presence
// update to the others), so nobody sees the focus leave. Whatever is not rejoined by then leaves as
// before.
import type { Cancel, Clock, Logger } from '@plenum/kit';
import type { El, Jid } from '../../codec/index.ts';
import { el, parseJid } from '../../codec/index.ts';

export type ComponentPresenceHoldDeps = {
  readonly clock: Clock;
  readonly log: Logger;
  readonly holdMs: number;
  /** Component domains whose rooms are held (e.g. focus.<domain>). */
  readonly domains: ReadonlySet<string>;
  /** True when the component now connected for `domain` has sent available presence from `from` to `to`. */
  readonly isPresent: (domain: string, from: string, to: string) => boolean;
  readonly route: (stanza: El, from: Jid) => void;
};

export class ComponentPresenceHold {
  readonly #timers = new Set<Cancel>();

  constructor(private readonly deps: ComponentPresenceHoldDeps) {}

  holds(domain: string): boolean {
    return this.deps.holdMs > 0 && this.deps.domains.has(domain);
  }

  /** The component for `domain` dropped with these directed presences (from → targets): leave later, unless rejoined. */
  hold(domain: string, directed: ReadonlyMap<string, ReadonlySet<string>>): void {
    const pairs = [...directed].flatMap(([from, targets]) => [...targets].map((to) => [from, to] as const));
    if (pairs.length === 0) return;
    this.deps.log.info('component dropped: its rooms are held', { component: domain, rooms: pairs.length, holdMs: this.deps.holdMs });
    const cancel = this.deps.clock.setTimeout(() => {
      this.#timers.delete(cancel);
      let left = 0;
      for (const [from, to] of pairs) {
        if (this.deps.isPresent(domain, from, to)) continue;
        const fromJid = parseJid(from);
        if (!fromJid.ok) continue;
        this.deps.route(el('presence', { from, to, type: 'unavailable' }), fromJid.value);
        left++;
      }
      if (left > 0) this.deps.log.info('held rooms not rejoined: left', { component: domain, rooms: left });
    }, this.deps.holdMs);
    this.#timers.add(cancel);
  }

  /** Server shutdown: the held leaves no longer matter. */
  close(): void {
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
  }
}
