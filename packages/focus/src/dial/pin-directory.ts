// Dial-in PINs (issue 8): every conference gets a random numeric PIN when the focus creates it,
// unique among live conferences and stable for the room's life (the store keeps it across focus
// instances and restarts), released when the conference ends. A caller who types it joins the
// room — past its password and lobby — so the PIN is a secret of the room's participants:
//
// * by PIN (`<dial-in pin>` to focus.<domain>): only from trusted service domains (the SIP
//   gateways, moderation.trustedServiceDomains); the answer is the room and its current password.
// * by room (`<dial-in room>`): only from an occupant of that room, who may see it anyway (the web
//   app's invite dialog). Anyone else could read the PIN of a locked room they merely know the
//   name of, which would undo its password.
// * pinForHttp (Jitsi's dialInConfCodeUrl, served by the web server): answers strangers, who know
//   nothing but a room name — as in Jitsi, they learn that room's PIN, but only while a
//   conference runs in it and only when the room is open (no password, no lobby): for an open
//   room the PIN admits no one the link would not. Locked rooms and unknown rooms look alike (none).
//
// Lookups are rate-limited globally (a gateway also limits attempts per call): PINs are 8 random
// digits by default, so guessing one takes ~10⁸/live-conferences tries.
import { randomInt } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { decodeDialInQuery, encodeDialInResult, parseJid } from '@plenum/xmpp/codec';
import { FocusError, isFocusError } from '../errors.ts';
import { TokenBucket } from '../internal/token-bucket.ts';
import type { Ids, StanzaChannel } from '../ports.ts';
import type { Conference } from '../conference/conference.ts';
import type { ConferenceManager } from '../conference/conference-manager.ts';
import type { PinStore } from './pin-store.ts';
import { DialError } from './dial-errors.ts';
import { fetchRoomAccess } from './room-access.ts';

export type PinDirectorySettings = {
  /** Digits of a PIN (4–12; the first is never 0, so the number survives JSON). */
  readonly pinDigits: number;
  /** Domains whose senders may look rooms up by PIN. */
  readonly trustedServiceDomains: readonly string[];
  /** Lookups by PIN per second (all gateways together), and the burst. */
  readonly pinLookupsPerSecond: number;
  readonly pinLookupBurst: number;
  /** Lookups by room (occupants and HTTP together) per second, and the burst. */
  readonly roomLookupsPerSecond: number;
  readonly roomLookupBurst: number;
  readonly requestTimeoutMs: number;
};

export type PinDirectoryDeps = {
  readonly store: PinStore;
  readonly conferences: ConferenceManager;
  readonly channel: StanzaChannel;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  readonly focusJid: string;
  readonly settings: PinDirectorySettings;
  /** Draws a PIN candidate of this many digits, first digit 1–9 (default: node:crypto; tests pass a sequence). */
  readonly drawPin?: (digits: number) => string;
};

/** Uniform over [10^(d-1), 10^d): d digits, no leading zero (the number survives JSON's `id`). */
export const randomPin = (digits: number): string => String(randomInt(10 ** (digits - 1), 10 ** digits));

/** Draws this many candidates before giving up (only a nearly full PIN space collides that often). */
const MAX_DRAWS = 20;

export class PinDirectory {
  readonly #pinBucket: TokenBucket;
  readonly #roomBucket: TokenBucket;

  constructor(private readonly deps: PinDirectoryDeps) {
    const s = deps.settings;
    this.#pinBucket = new TokenBucket({ ratePerSecond: s.pinLookupsPerSecond, burst: s.pinLookupBurst, nowMs: deps.clock.now() });
    this.#roomBucket = new TokenBucket({ ratePerSecond: s.roomLookupsPerSecond, burst: s.roomLookupBurst, nowMs: deps.clock.now() });
  }

  /** A conference was created (or taken over): give it its PIN, forget it when it really ends. */
  track(conf: Conference): void {
    void this.#assign(conf.roomJid).catch((error: unknown) => this.deps.log.warn('no dial-in pin for the conference', { conf: conf.roomJid, err: (error as Error).message }));
    conf.events.on('ended', (_reason, isDetached) => {
      // Detached: the conference goes on under another focus instance (or this one restarted).
      if (isDetached) return;
      void this.deps.store.release(conf.roomJid).catch((error: unknown) => this.deps.log.warn('dial-in pin not released', { conf: conf.roomJid, err: (error as Error).message }));
    });
  }

  /** A `<dial-in>` IQ get to the focus component; resolves with the result payload or throws a typed error. */
  async handleIq(from: string | undefined, payload: El): Promise<El> {
    const decoded = decodeDialInQuery(payload);
    if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
    const sender = parseJid(from ?? '');
    if (!sender.ok) throw FocusError.badRequest('the query has no sender');
    const q = decoded.value;
    if ('pin' in q) {
      if (!this.deps.settings.trustedServiceDomains.includes(sender.value.domain)) throw FocusError.forbidden('PIN lookups are for SIP gateways');
      if (!this.#pinBucket.take(this.deps.clock.now())) throw DialError.pinRate();
      const room = await this.deps.store.roomOf(q.pin);
      if (room === undefined) throw DialError.pinNotFound();
      const access = await this.#access(room);
      this.deps.log.info('dial-in pin resolved', { conf: room });
      return encodeDialInResult({ pin: q.pin, room, ...(access.password !== undefined ? { password: access.password } : {}) });
    }
    const conf = this.deps.conferences.get(q.room);
    const realJid = from ?? '';
    if (conf === undefined || conf.isEnded || !conf.participants.all().some((p) => p.realJid === realJid)) {
      throw FocusError.forbidden('only participants of the room may read its PIN');
    }
    if (!this.#roomBucket.take(this.deps.clock.now())) throw DialError.pinRate();
    const pin = (await this.deps.store.pinOf(q.room)) ?? (await this.#assign(q.room));
    return encodeDialInResult({ pin, room: q.room });
  }

  /**
   * The PIN of a live, open room for the web server's dialInConfCodeUrl (see the file comment);
   * undefined for an unknown, ended or locked room, or when lookups are coming too fast.
   */
  async pinForHttp(roomJid: string): Promise<string | undefined> {
    if (!this.#roomBucket.take(this.deps.clock.now())) return undefined;
    const live = this.deps.conferences.get(roomJid);
    // A live conference here whose PIN could not be stored at creation (Redis away) gets one now.
    const pin = (await this.deps.store.pinOf(roomJid)) ?? (live !== undefined && !live.isEnded ? await this.#assign(roomJid) : undefined);
    if (pin === undefined) return undefined;
    const access = await fetchRoomAccess({ ...this.deps, timeoutMs: this.deps.settings.requestTimeoutMs }, roomJid).catch(() => undefined);
    if (access === undefined || access.password !== undefined || access.isMembersOnly) return undefined;
    return pin;
  }

  async #assign(roomJid: string): Promise<string> {
    const digits = this.deps.settings.pinDigits;
    for (let i = 0; i < MAX_DRAWS; i++) {
      const candidate = (this.deps.drawPin ?? randomPin)(digits);
      const pin = await this.deps.store.claim(roomJid, candidate);
      if (pin !== undefined) return pin;
    }
    throw new Error('no free dial-in pin');
  }

  async #access(roomJid: string): Promise<{ readonly password: string | undefined }> {
    try {
      return await fetchRoomAccess({ ...this.deps, timeoutMs: this.deps.settings.requestTimeoutMs }, roomJid);
    } catch (error) {
      // The room is gone although its PIN was not released yet: the conference is over.
      if (isFocusError(error, 'remote-error')) throw DialError.pinNotFound();
      throw FocusError.roomFailed('the room\'s configuration could not be read', error);
    }
  }
}
