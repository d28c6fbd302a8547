// The bridge brewery (protocols.md §4): the focus sits in `jvbbrewery@internal…` as `focus`; every
// other occupant is a bridge whose presence carries `<stats xmlns="http://jitsi.org/protocol/colibri">`.
// Leaving the room removes the bridge.
import type { Clock, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { NS_COLIBRI_STATS, NS_MUC_USER, child, children, decodeBridgeStats, el } from '@plenum/xmpp/codec';

/** XEP-0045 §7.2.2: status 110 marks the presence that refers to the recipient itself. */
const isSelfPresence = (p: El): boolean =>
  children(child(p, 'x', NS_MUC_USER) ?? p, 'status').some((s) => s.attrs.code === '110');
import type { Ids, StanzaChannel } from '../ports.ts';
import { ROOM_TIMEOUT_MS, joinPresence, leavePresence, ownerConfigIq } from '../room/room-stanzas.ts';
import type { BridgeRegistry } from './bridge-registry.ts';

/** Brewery membership and presence handling. */
export class Brewery {
  readonly #warned = new Set<string>();
  #isConfigured = false;

  constructor(private readonly deps: {
    readonly channel: StanzaChannel; readonly registry: BridgeRegistry; readonly log: Logger; readonly clock: Clock;
    readonly ids: Ids; readonly focusJid: string; readonly breweryJid: string; readonly nick: string;
  }) {}

  /** Enters the brewery (again, after a reconnection). */
  join(): void {
    this.#isConfigured = false;
    this.deps.channel.send(joinPresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  leave(): void {
    this.deps.channel.send(leavePresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  /**
   * Bridges obey COLIBRI2 only from occupants whose real JID they can see (packages/bridge
   * sender-policy): the focus, a MUC admin, makes the brewery non-anonymous whoever created it.
   */
  #configure(): void {
    // Once per join: the presence re-sent below comes back as a self-presence too.
    if (this.#isConfigured) return;
    this.#isConfigured = true;
    const { channel, focusJid, breweryJid, nick, ids, log } = this.deps;
    channel.request(ownerConfigIq(focusJid, breweryJid, ids.next()), { timeoutMs: ROOM_TIMEOUT_MS })
      .then(() => {
        // XEP-0045 does not make a room re-send presences when it turns non-anonymous (Prosody
        // does not): announce ourselves again so bridges that joined meanwhile see our real JID.
        channel.send(el('presence', { from: focusJid, to: `${breweryJid}/${nick}` }));
      })
      .catch((error: unknown) => log.warn('brewery configuration failed', { err: (error as Error).message }));
  }

  /** True when the presence came from the brewery (and was handled). */
  handlePresence(presence: El): boolean {
    const from = presence.attrs.from ?? '';
    const prefix = `${this.deps.breweryJid}/`;
    if (from !== this.deps.breweryJid && !from.startsWith(prefix)) return false;
    const nick = from.slice(prefix.length);
    if (nick === this.deps.nick || nick === '') {
      if (presence.attrs.type === 'error') this.deps.log.error('brewery refused the focus', { brewery: this.deps.breweryJid });
      else if (presence.attrs.type === undefined && isSelfPresence(presence)) this.#configure();
      return true;
    }
    if (presence.attrs.type === 'unavailable') {
      this.deps.registry.remove(nick);
      this.#warned.delete(nick);
      return true;
    }
    if (presence.attrs.type !== undefined) return true;
    const statsEl = child(presence, 'stats', NS_COLIBRI_STATS);
    if (statsEl === undefined) return true;
    const stats = decodeBridgeStats(statsEl);
    if (!stats.ok) {
      if (!this.#warned.has(nick)) this.deps.log.warn('bridge stats malformed', { bridge: nick, code: stats.error.code, text: stats.error.text });
      this.#warned.add(nick);
      return true;
    }
    this.deps.registry.update(nick, from, stats.value, this.deps.clock.now());
    return true;
  }
}
