// The bridge in its brewery (protocols.md §4): joins the MUC with its stats, re-publishes them
// every statsIntervalMs, rejoins after a reconnect or a removal, and keeps the roster the control
// handler authorises against. A bridge that creates the brewery makes it non-anonymous, as Jitsi's
// internal MUC is (`muc_room_default_public_jids = true`), so every bridge can see the focus's real JID.
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El, BridgeStats } from '@plenum/xmpp/codec';
import { el, encodeDataForm, formTypeField, FORM_MUC_ROOMCONFIG, NS_MUC, NS_MUC_OWNER, encodeBridgeStats } from '@plenum/xmpp/codec';
import type { XmppLink } from '../ports.ts';
import type { BreweryRoster } from './brewery-roster.ts';

/** What the member needs. */
export type BreweryMemberDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly link: XmppLink;
  /** The brewery's bare JID. */
  readonly room: string;
  readonly nick: string;
  /** The bridge's own full JID, the `from` of its presence. */
  readonly ownJid: string;
  readonly statsIntervalMs: number;
  /** Wait before joining again after a refusal or a removal. */
  readonly rejoinDelayMs: number;
  /** Kept up to date from the room's presence; the control handler reads it. */
  readonly roster: BreweryRoster;
  stats(): BridgeStats;
};

/** Events, for the bridge's own observers and tests. */
export type BreweryMemberEvents = {
  joined: [];
  left: [];
  statsPublished: [BridgeStats];
};

/** Membership of one brewery. */
export class BreweryMember {
  readonly events: TypedEmitter<BreweryMemberEvents>;
  readonly roster: BreweryRoster;
  readonly #deps: BreweryMemberDeps;
  readonly #offs: (() => void)[] = [];
  #isJoined = false;
  #isClosed = false;
  #stopStats: Cancel | undefined;
  #cancelRejoin: Cancel | undefined;
  #configureId = 0;

  constructor(deps: BreweryMemberDeps) {
    this.#deps = deps;
    this.events = new TypedEmitter(deps.log);
    this.roster = deps.roster;
    this.#offs.push(
      deps.link.events.on('online', () => this.#join()),
      deps.link.events.on('offline', () => this.#markLeft()),
      deps.link.events.on('presence', (p) => this.#onPresence(p)),
      deps.link.events.on('iqReply', (iq) => this.#onIqReply(iq)),
    );
  }

  get isJoined(): boolean {
    return this.#isJoined;
  }

  /** The occupant JID other brewery members (the focus) address: room/nick. */
  get occupantJid(): string {
    return `${this.#deps.room}/${this.#deps.nick}`;
  }

  /** Publishes the current stats now (after a flag change), and on the interval from then on. */
  publishNow(): void {
    if (!this.#isJoined) return;
    const stats = this.#deps.stats();
    this.#deps.link.send(el('presence', { from: this.#deps.ownJid, to: this.occupantJid }, encodeBridgeStats(stats)));
    this.events.emit('statsPublished', stats);
  }

  /** Leaves the room (unavailable presence) and stops every timer. Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#isJoined) this.#deps.link.send(el('presence', { from: this.#deps.ownJid, to: this.occupantJid, type: 'unavailable' }));
    this.#markLeft();
    this.#cancelRejoin?.();
    for (const off of this.#offs.splice(0)) off();
  }

  #join(): void {
    if (this.#isClosed || this.#isJoined) return;
    this.#cancelRejoin?.();
    this.#cancelRejoin = undefined;
    const stats = this.#deps.stats();
    this.#deps.link.send(el('presence', { from: this.#deps.ownJid, to: this.occupantJid },
      el('x', { xmlns: NS_MUC }, el('history', { maxstanzas: 0 })),
      encodeBridgeStats(stats)));
  }

  #scheduleRejoin(): void {
    if (this.#isClosed || this.#cancelRejoin !== undefined) return;
    this.#cancelRejoin = this.#deps.clock.setTimeout(() => {
      this.#cancelRejoin = undefined;
      if (this.#deps.link.isOnline) this.#join();
    }, this.#deps.rejoinDelayMs);
  }

  #markLeft(): void {
    this.roster.clear();
    this.#stopStats?.();
    this.#stopStats = undefined;
    if (!this.#isJoined) return;
    this.#isJoined = false;
    this.#deps.log.info('brewery left', { room: this.#deps.room });
    this.events.emit('left');
  }

  #onPresence(p: El): void {
    const event = this.roster.handle(p);
    switch (event.kind) {
      case 'ignored':
        return;
      case 'self-joined':
        if (this.#isJoined) return;
        this.#isJoined = true;
        this.#deps.log.info('brewery joined', { room: this.#deps.room, nick: this.#deps.nick, createdRoom: event.createdRoom });
        if (event.createdRoom) this.#makeNonAnonymous();
        this.#stopStats = this.#deps.clock.setInterval(() => this.publishNow(), this.#deps.statsIntervalMs);
        // The join presence went out before we were in (healthy=false): replace it at once.
        this.publishNow();
        this.events.emit('joined');
        return;
      case 'self-left':
        this.#markLeft();
        this.#scheduleRejoin();
        return;
      case 'self-refused':
        this.#deps.log.error('brewery join refused', { room: this.#deps.room, condition: event.condition });
        this.#scheduleRejoin();
        return;
      case 'occupant':
        this.#deps.log.debug('brewery occupant', { nick: event.occupant.nick, hasRealJid: event.occupant.realJid !== undefined });
        return;
      case 'occupant-left':
        this.#deps.log.debug('brewery occupant left', { nick: event.nick });
        return;
    }
  }

  /** XEP-0045 §10.2: as the creator (owner), set muc#roomconfig_whois=anyone. */
  #makeNonAnonymous(): void {
    const form = encodeDataForm({ type: 'submit', fields: [formTypeField(FORM_MUC_ROOMCONFIG), { var: 'muc#roomconfig_whois', values: ['anyone'] }] });
    this.#deps.link.send(el('iq', { from: this.#deps.ownJid, to: this.#deps.room, type: 'set', id: `brewery-config-${++this.#configureId}` },
      el('query', { xmlns: NS_MUC_OWNER }, form)));
  }

  #onIqReply(iq: El): void {
    if (!(iq.attrs.id ?? '').startsWith('brewery-config-')) return;
    if (iq.attrs.type === 'error') this.#deps.log.warn('brewery configuration refused: real JIDs stay hidden', { room: this.#deps.room });
    else this.#deps.log.debug('brewery made non-anonymous', { room: this.#deps.room });
  }
}
