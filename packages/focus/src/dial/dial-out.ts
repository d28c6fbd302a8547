// Dial-out (protocols.md §7, Jicofo's JigasiIqHandler): a moderator's Rayo `<dial>` IQ to the focus
// occupant is checked (moderator, JvbRoomName = this room, a phone-like `to`), forwarded to the
// least-loaded SIP gateway of the caller's region (another gateway on error, at most twice) and the
// gateway's `<ref uri>` goes back to the client. The callee then appears as the gateway's occupant.
import type { Clock, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import {
  NS_RAYO, RAYO_HEADER_ROOM_NAME, RAYO_HEADER_ROOM_PASSWORD, child, decodeRayoDial, decodeRayoRef, el, encodeRayoDial, encodeRayoRef, parseJid,
} from '@plenum/xmpp/codec';
import { FocusError } from '../errors.ts';
import type { Ids, StanzaChannel } from '../ports.ts';
import type { Conference } from '../conference/conference.ts';
import type { GatewayPool } from './gateway-pool.ts';
import { DialError } from './dial-errors.ts';
import { fetchRoomAccess } from './room-access.ts';

export type DialOutDeps = {
  readonly channel: StanzaChannel;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  readonly pool: GatewayPool;
  readonly focusJid: string;
  readonly requestTimeoutMs: number;
  /** Gateways tried after the first one failed (Jicofo: 2). */
  readonly retries: number;
};

const isModerator = (role: string, affiliation: string): boolean => role === 'moderator' || affiliation === 'owner' || affiliation === 'admin';

/**
 * What may be dialled: a sip:/sips:/tel: URI or a plain number (digits with the usual separators,
 * an optional leading +). Anything else (xmpp:, http:, transcription) is refused here.
 */
const PHONE_NUMBER = /^\+?[0-9][0-9 ().-]{0,31}$/;
const SIP_URI = /^sips?:[^\s<>"]{1,256}$/i;
const TEL_URI = /^tel:\+?[0-9][0-9().-]{0,31}(;[^\s<>"]{0,128})?$/i;
export const isDialTarget = (to: string): boolean => PHONE_NUMBER.test(to) || SIP_URI.test(to) || TEL_URI.test(to);

export class DialOutService {
  constructor(private readonly deps: DialOutDeps) {}

  /** A participant's `<dial>`; resolves with the `<ref>` for the client or throws a FocusError/DialError. */
  async handleClientDial(conf: Conference, nick: string, payload: El): Promise<El> {
    const p = conf.participants.get(nick);
    if (p === undefined) throw FocusError.forbidden('dial-out is for conference participants');
    if (!isModerator(p.role, p.affiliation)) throw FocusError.forbidden('only moderators may dial out');
    const decoded = decodeRayoDial(payload);
    if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
    const dial = decoded.value;
    const roomName = dial.headers[RAYO_HEADER_ROOM_NAME];
    const named = roomName === undefined ? undefined : parseJid(roomName);
    if (named === undefined || !named.ok || `${named.value.local}@${named.value.domain}` !== conf.roomJid || named.value.resource !== '') {
      throw FocusError.badRequest('JvbRoomName must be this conference\'s room');
    }
    if (!isDialTarget(dial.to)) throw FocusError.badRequest('to must be a sip: or tel: URI or a phone number');
    const headers: Record<string, string> = { ...dial.headers, [RAYO_HEADER_ROOM_NAME]: conf.roomJid };
    // The gateway must get into a locked room: the focus adds the password when the client did not.
    if (headers[RAYO_HEADER_ROOM_PASSWORD] === undefined) {
      const access = await fetchRoomAccess({ ...this.deps, timeoutMs: this.deps.requestTimeoutMs }, conf.roomJid).catch(() => undefined);
      if (access?.password !== undefined) headers[RAYO_HEADER_ROOM_PASSWORD] = access.password;
    }
    const forward = encodeRayoDial({ to: dial.to, from: dial.from, headers });
    const tried = new Set<string>();
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.deps.retries; attempt++) {
      const gateway = this.deps.pool.select(this.deps.clock.now(), p.region, tried);
      if (gateway === undefined) break;
      tried.add(gateway.nick);
      try {
        const reply = await this.deps.channel.request(el('iq', { type: 'set', from: this.deps.focusJid, to: gateway.jid, id: this.deps.ids.next() }, forward),
          { timeoutMs: this.deps.requestTimeoutMs });
        const ref = decodeRayoRef(child(reply, 'ref', NS_RAYO) ?? el('none'));
        if (!ref.ok) throw new Error(`gateway answered without a ref: ${ref.error.text}`);
        // Never the number: call ids and gateways only (privacy).
        this.deps.log.info('dial-out placed', { conf: conf.roomJid, gateway: gateway.nick, attempt });
        return encodeRayoRef(ref.value);
      } catch (error) {
        lastError = error;
        this.deps.pool.failed(gateway.nick, this.deps.clock.now());
        this.deps.log.warn('sip gateway refused a dial', { conf: conf.roomJid, gateway: gateway.nick, attempt, err: (error as Error).message });
      }
    }
    if (tried.size === 0) throw DialError.noGateway();
    throw DialError.gatewayFailed(lastError);
  }
}
