// Calls a moderator places from the meeting to a phone (protocols.md §7): a Rayo `<dial>` IQ to the
// focus occupant with the room in a `JvbRoomName` header; the focus picks a SIP gateway, which
// answers with `<ref uri="xmpp:room@conference…/<nick>"/>`: the occupant the callee will be. That
// occupant joins at once with `<status>Calling</status>`, then Ringing; the call is connected once the
// status goes (or says Connected), failed when the occupant leaves before that (its last status says
// why: Busy, No answer…), ended when it leaves after; `<hangup/>` to the ref JID ends it.
import type { El } from '@plenum/xmpp/codec';
import { NS_RAYO, RAYO_HEADER_ROOM_NAME, RAYO_HEADER_ROOM_PASSWORD, child, decodeRayoRef, el, encodeRayoDial, encodeRayoHangup } from '@plenum/xmpp/codec';
import type { FeatureError, PhoneCallView } from '../conference-api.ts';
import type { OccupantPresence } from '../conference/presence.ts';
import { errorConditionOf, errorStanzaOf } from '../xmpp/xmpp-connection.ts';

/** Calls kept in the view (the newest); older finished ones drop off. */
const MAX_CALLS = 5;
/** Digits in a dialable number: E.164 allows 15, extensions a few more; 3 covers short internal numbers. */
const MIN_DIGITS = 3;
const MAX_DIGITS = 20;
/** An answered call's occupant has no status (Plenum's gateway) or says Connected (Jigasi); anything else is progress or failure. */
const isAnswered = (status: string): boolean => status === '' || status.toLowerCase() === 'connected';

export type DialOutDeps = {
  readonly request: (iq: El) => Promise<El>;
  /** `room@conference…/focus`. */
  readonly focusOccupant: string;
  /** The room's bare JID, for the JvbRoomName header. */
  readonly roomJid: string;
  /** The room's password, when we know it (the gateway needs it to join a locked room). */
  readonly roomPassword: () => string | undefined;
  readonly changed: () => void;
};

type Call = {
  id: string;
  number: string;
  state: PhoneCallView['state'];
  error: FeatureError | undefined;
  /** The callee's nick in the room, from the gateway's `<ref>`. */
  nick: string | undefined;
  /** Set once the callee's occupant is in the room. */
  participantId: string | undefined;
  /** The gateway's last word on the call (Calling, Ringing, Busy…), from the callee occupant's presence. */
  lastStatus: string;
};

/** What the gateway's last status of an unanswered call means (Jigasi's words: Busy, No answer, Declined, Failed). */
function unansweredText(status: string): string {
  switch (status.toLowerCase()) {
    case 'busy': return 'The line is busy.';
    case 'no answer': return 'Nobody answered.';
    case 'declined': return 'The call was declined.';
    case '': case 'calling': case 'ringing': return 'The call was not answered.';
    default: return `The call ended: ${status}.`;
  }
}

/** A desk phone's or PBX extension's SIP address: user@host[:port], nothing more (no parameters, no headers). */
const SIP_ADDRESS = /^sips?:[A-Za-z0-9+._~-]{1,64}@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/;

/**
 * What to dial for what was typed: a phone number cleaned for dialing (`+49 30 1234-567` →
 * `+49301234567`, the gateway's trunk routes it) or a SIP address as is; undefined for anything else.
 */
export function dialableNumber(typed: string): string | undefined {
  const trimmed = typed.trim();
  if (SIP_ADDRESS.test(trimmed)) return trimmed;
  if (!/^\+?[0-9][0-9 ()./-]*$/.test(trimmed)) return undefined;
  const cleaned = trimmed.replace(/[ ()./-]/g, '');
  const digits = cleaned.replace('+', '').length;
  return digits >= MIN_DIGITS && digits <= MAX_DIGITS ? cleaned : undefined;
}

export class DialOut {
  readonly #deps: DialOutDeps;
  #calls: Call[] = [];
  #seq = 0;

  constructor(deps: DialOutDeps) {
    this.#deps = deps;
  }

  /** Places a call; resolves once the gateway dials (the call shows `calling`), rejects with a FeatureError. */
  async dial(typed: string): Promise<void> {
    const number = dialableNumber(typed);
    if (number === undefined) throw featureError('invalid-number', 'That is not a phone number. Use digits, optionally starting with + (or a sip: address).');
    const call: Call = { id: `call${++this.#seq}`, number: typed.trim(), state: 'calling', error: undefined, nick: undefined, participantId: undefined, lastStatus: '' };
    this.#calls = [...this.#calls, call].slice(-MAX_CALLS);
    this.#deps.changed();
    const password = this.#deps.roomPassword();
    let reply: El;
    try {
      reply = await this.#deps.request(el('iq', { type: 'set', to: this.#deps.focusOccupant }, encodeRayoDial({
        to: number, from: '',
        headers: { [RAYO_HEADER_ROOM_NAME]: this.#deps.roomJid, ...(password !== undefined ? { [RAYO_HEADER_ROOM_PASSWORD]: password } : {}) },
      })));
    } catch (error) {
      const refused = dialRefusal(error);
      this.#update(call, { state: 'failed', error: refused });
      throw refused;
    }
    const ref = child(reply, 'ref', NS_RAYO);
    const decoded = ref === undefined ? undefined : decodeRayoRef(ref);
    const nick = decoded?.ok ? nickOfRef(decoded.value.uri, this.#deps.roomJid) : undefined;
    if (nick === undefined) {
      const unreadable = featureError('failed', 'The phone gateway answered something unreadable.');
      this.#update(call, { state: 'failed', error: unreadable });
      throw unreadable;
    }
    this.#update(call, { nick });
  }

  /** Ends a call: `<hangup/>` to the callee's occupant. */
  async hangUp(id: string): Promise<void> {
    const call = this.#calls.find((c) => c.id === id);
    if (call === undefined || call.state === 'ended' || call.state === 'failed') return;
    this.#update(call, { state: 'ended' });
    if (call.nick === undefined) return;
    try {
      await this.#deps.request(el('iq', { type: 'set', to: `${this.#deps.roomJid}/${call.nick}` }, encodeRayoHangup()));
    } catch {
      // The callee may already have hung up and left: the call is over either way.
    }
  }

  /** Every occupant presence of the room: a callee joining, answering or leaving. */
  onOccupant(p: OccupantPresence): void {
    const call = this.#calls.find((c) => c.nick === p.nick && (c.state === 'calling' || c.state === 'connected'));
    if (call === undefined) return;
    if (p.unavailable) {
      if (call.state === 'connected') this.#update(call, { state: 'ended' });
      else this.#update(call, { state: 'failed', error: featureError('failed', unansweredText(p.statusText || call.lastStatus)) });
      return;
    }
    call.lastStatus = p.statusText;
    if (call.state === 'calling' && isAnswered(p.statusText)) this.#update(call, { state: 'connected', participantId: p.nick });
  }

  views(): readonly PhoneCallView[] {
    return this.#calls.map((c) => ({ id: c.id, number: c.number, state: c.state, error: c.error, participantId: c.participantId }));
  }

  #update(call: Call, change: Partial<Call>): void {
    Object.assign(call, change);
    this.#deps.changed();
  }
}

/** `xmpp:room@conference…/nick` → nick, when it names an occupant of our room. */
function nickOfRef(uri: string, roomJid: string): string | undefined {
  const jid = uri.startsWith('xmpp:') ? uri.slice('xmpp:'.length) : uri;
  const prefix = `${roomJid}/`;
  if (!jid.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
  const nick = jid.slice(prefix.length);
  return nick === '' ? undefined : nick;
}

function featureError(code: FeatureError['code'], message: string): FeatureError {
  return { code, message };
}

/** What the focus's (or the gateway's) refusal of a dial means for the user. */
function dialRefusal(error: unknown): FeatureError {
  const stanza = errorStanzaOf(error);
  const condition = stanza === undefined ? undefined : errorConditionOf(stanza);
  switch (condition) {
    case 'forbidden':
    case 'not-authorized':
    case 'not-allowed':
      return featureError('not-allowed', 'Only moderators can call phones into the meeting.');
    case 'service-unavailable':
    case 'feature-not-implemented':
      return featureError('unavailable', 'Calling phones is not available: no phone gateway runs on this server.');
    case 'resource-constraint':
      return featureError('busy', 'All phone lines are busy. Try again in a few minutes.');
    case 'bad-request':
      return featureError('invalid-number', 'The phone gateway refused that number.');
    default:
      return featureError('failed', 'The call could not be placed.');
  }
}
