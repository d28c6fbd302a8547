// Test helper for the MUC unit tests (not part of the service): a MucService wired to a fake
// `deliver` that collects stanzas, a FakeClock and sequential ids. Tests send wire XML and read
// back what each recipient got.
import { FakeClock, silentLogger } from '@plenum/kit';
import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { bareJid, parseJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { child, children, parseXml, serialize } from '../../codec/xml/index.ts';
import { decodeStanzaError } from '../../codec/stanza/index.ts';
import { NS_MUC_USER } from '../../codec/xep-0045-muc/index.ts';
import { MucService } from './muc-service.ts';
import type { MucServiceConfig } from './muc-types.ts';

export const MUC = 'conference.plenum.localhost';
export const FOCUS = 'focus@auth.plenum.localhost/focus';
export const ALICE = 'alice@plenum.localhost/web';
export const BOB = 'bob@plenum.localhost/phone';
export const CAROL = 'carol@plenum.localhost/laptop';
export const DAVE = 'dave@plenum.localhost/desk';

export type HarnessOptions = {
  readonly config?: Partial<MucServiceConfig>;
  /** Bare JIDs the policy treats as service admins (default: the focus). */
  readonly admins?: readonly string[];
  readonly mayEnter?: (real: Jid, room: Jid) => StanzaErrorBody | undefined;
};

/** Parses test XML; whitespace between elements is allowed for readability. */
export function xml(source: string): El {
  const parsed = parseXml(source.trim().replace(/>\s+</g, '><'));
  if (!parsed.ok) throw new Error(`bad test XML: ${parsed.error.text}`);
  return parsed.value;
}

export function createHarness(opts: HarnessOptions = {}) {
  const clock = new FakeClock();
  const delivered: El[] = [];
  let nextId = 0;
  const admins = new Set(opts.admins ?? [bareJid(jid(FOCUS))]);
  const service = new MucService({
    domain: MUC,
    log: silentLogger,
    clock,
    newId: () => `00000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`,
    deliver: (s) => delivered.push(s),
    policy: {
      isAdmin: (real) => admins.has(bareJid(real)) || admins.has(real.domain),
      mayEnter: opts.mayEnter ?? (() => undefined),
    },
    config: { restrictRoomCreation: true, lockNewRooms: false, maxRooms: 100, maxOccupantsPerRoom: 50, maxHistoryMessages: 0, ...opts.config },
  });

  /** Hands one stanza to the service and returns everything it delivered in response. */
  function send(source: string | El): El[] {
    const stanza = typeof source === 'string' ? xml(source) : source;
    delivered.length = 0;
    service.handle(stanza, jid(stanza.attrs.from ?? ''));
    return delivered.splice(0);
  }

  /** Joins `real` as room/nick with optional extra presence children; returns the deliveries. */
  function join(real: string, roomNick: string, extra = ''): El[] {
    return send(`<presence from='${real}' to='${roomNick}'><x xmlns='http://jabber.org/protocol/muc'/>${extra}</presence>`);
  }

  /** Focus creates room `node` and makes it non-anonymous, as Jicofo does (protocols.md §1.2). */
  function focusRoom(node: string, whois: 'anyone' | 'moderators' = 'anyone'): void {
    const room = `${node}@${MUC}`;
    join(FOCUS, `${room}/focus`);
    if (whois === 'anyone') configure(FOCUS, room, { 'muc#roomconfig_whois': 'anyone' });
  }

  /** Submits a configuration form as `real`. */
  function configure(real: string, room: string, fields: Record<string, string>): El[] {
    const body = Object.entries(fields).map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`).join('');
    return send(`<iq from='${real}' to='${room}' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'>
      <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>${body}</x>
    </query></iq>`);
  }

  /** What the service delivered outside `send` (e.g. from close()). */
  const drain = (): El[] => delivered.splice(0);

  return { service, clock, send, join, focusRoom, configure, drain };
}

export function jid(s: string): Jid {
  const parsed = parseJid(s);
  if (!parsed.ok) throw new Error(`bad test JID ${s}`);
  return parsed.value;
}

/** The stanzas addressed to one real JID, in order. */
export const to = (out: readonly El[], real: string): El[] => out.filter((s) => s.attrs.to === real);

/** The muc#user status codes of a stanza, sorted. */
export function statuses(s: El | undefined): number[] {
  const x = s === undefined ? undefined : child(s, 'x', NS_MUC_USER);
  return x === undefined ? [] : children(x, 'status').map((c) => Number(c.attrs.code)).sort((a, b) => a - b);
}

/** The muc#user item's attributes (affiliation, role, jid, nick). */
export function item(s: El | undefined): Record<string, string> {
  const x = s === undefined ? undefined : child(s, 'x', NS_MUC_USER);
  return (x === undefined ? undefined : child(x, 'item'))?.attrs ?? {};
}

/** `type/condition` of an error stanza, or '' when it is none. */
export function errorOf(s: El | undefined): string {
  if (s === undefined || s.attrs.type !== 'error') return '';
  const e = decodeStanzaError(s);
  return e === undefined ? 'malformed' : `${e.type}/${e.condition}`;
}

/** One line per stanza, for readable failure messages. */
export const wire = (out: readonly El[]): string => out.map(serialize).join('\n');
