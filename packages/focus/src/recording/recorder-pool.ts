// The jibri brewery (protocols.md §6): recorders sit in `jibribrewery@internal…` and announce
// `<jibri-status>` (idle|busy, healthy|unhealthy) in their presence; leaving the room removes them.
// The focus joins as `focus` so it sees them and can address them by occupant JID.
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El, JibriStatus } from '@plenum/xmpp/codec';
import { decodeJibriStatus } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';
import { joinPresence, leavePresence } from '../room/room-stanzas.ts';

/** One recorder the focus knows of. */
export type Recorder = {
  readonly nick: string;
  /** Its brewery occupant JID: where start/stop go. */
  readonly jid: string;
  status: JibriStatus;
  lastSelectedMs: number;
  lastFailedMs: number;
};

/** One recorder in the focus's status (GET /stats). */
export type RecorderSnapshot = { readonly id: string; readonly busy: boolean; readonly healthy: boolean };

export type RecorderPoolEvents = { recorderGone: [nick: string] };

/** Jicofo's rules: not picked in the last 200 ms (its presence may lag), not failed in the last minute. */
const SELECT_GAP_MS = 200;
const FAILURE_BACKOFF_MS = 60_000;

/** Why no recorder can be picked (the stanza error differs, protocols.md §6). */
export type NoRecorder = 'none' | 'all-busy';

export class RecorderPool {
  readonly events: TypedEmitter<RecorderPoolEvents>;
  readonly #recorders = new Map<string, Recorder>();

  constructor(private readonly deps: { readonly channel: StanzaChannel; readonly log: Logger; readonly focusJid: string; readonly breweryJid: string; readonly nick: string }) {
    this.events = new TypedEmitter<RecorderPoolEvents>(deps.log);
  }

  join(): void {
    this.deps.channel.send(joinPresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  leave(): void {
    this.deps.channel.send(leavePresence(this.deps.focusJid, `${this.deps.breweryJid}/${this.deps.nick}`));
  }

  /** The connection dropped: the server took everyone out of the brewery as far as we know. */
  clear(): void {
    for (const nick of [...this.#recorders.keys()]) this.#remove(nick);
  }

  /** What the status endpoint lists: each recorder's nick, idle/busy and health. */
  snapshot(): RecorderSnapshot[] {
    return [...this.#recorders.values()].map((r) => ({ id: r.nick, busy: r.status.busy === 'busy', healthy: r.status.health === 'healthy' }));
  }

  get(nick: string): Recorder | undefined {
    return this.#recorders.get(nick);
  }

  /** True when the presence came from the jibri brewery (and was handled). */
  handlePresence(presence: El): boolean {
    const from = presence.attrs.from ?? '';
    const prefix = `${this.deps.breweryJid}/`;
    if (from.toLowerCase() !== this.deps.breweryJid && !from.toLowerCase().startsWith(prefix)) return false;
    const nick = from.slice(prefix.length);
    if (nick === this.deps.nick || nick === '') return true;
    if (presence.attrs.type === 'unavailable') {
      this.#remove(nick);
      return true;
    }
    if (presence.attrs.type !== undefined) return true;
    const status = decodeJibriStatus(presence);
    if (!status.ok || status.value === undefined) {
      if (!status.ok) this.deps.log.warn('recorder status malformed', { recorder: nick, code: status.error.code });
      return true;
    }
    const known = this.#recorders.get(nick);
    if (known !== undefined) known.status = status.value;
    else {
      this.#recorders.set(nick, { nick, jid: from, status: status.value, lastSelectedMs: Number.NEGATIVE_INFINITY, lastFailedMs: Number.NEGATIVE_INFINITY });
      this.deps.log.info('recorder joined', { recorder: nick, ...status.value });
    }
    return true;
  }

  /** Picks a healthy idle recorder, least recently failed first; marks it selected. */
  select(nowMs: number): Recorder | NoRecorder {
    const all = [...this.#recorders.values()];
    const usable = all.filter((r) => r.status.health === 'healthy' && r.status.busy === 'idle'
      && nowMs - r.lastSelectedMs >= SELECT_GAP_MS && nowMs - r.lastFailedMs >= FAILURE_BACKOFF_MS);
    usable.sort((a, b) => a.lastFailedMs - b.lastFailedMs);
    const pick = usable[0];
    if (pick === undefined) return all.some((r) => r.status.health === 'healthy') ? 'all-busy' : 'none';
    pick.lastSelectedMs = nowMs;
    return pick;
  }

  failed(nick: string, nowMs: number): void {
    const r = this.#recorders.get(nick);
    if (r !== undefined) r.lastFailedMs = nowMs;
  }

  #remove(nick: string): void {
    if (!this.#recorders.delete(nick)) return;
    this.deps.log.info('recorder left', { recorder: nick });
    this.events.emit('recorderGone', nick);
  }
}
