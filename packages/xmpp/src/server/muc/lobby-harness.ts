// Test helper for the lobby unit tests (not part of the service): the conference MUC and the lobby
// MUC wired as the server wires them, with a fake `deliver` that collects stanzas. Tests send wire
// XML to either domain and read back what each recipient got.
import { FakeClock, silentLogger } from '@plenum/kit';
import { bareJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { child, text } from '../../codec/xml/index.ts';
import { NS_JITSI_MEET } from '../../codec/xep-0166-jingle/index.ts';
import type { LobbyNotify } from '../../codec/jitsi-lobby/index.ts';
import { decodeLobbyNotify } from '../../codec/jitsi-lobby/index.ts';
import { MucService } from './muc-service.ts';
import { LobbyRooms } from './lobby-rooms.ts';
import type { LobbyRoomsConfig } from './lobby-rooms.ts';
import { FOCUS, MUC, jid, xml } from './muc-harness.ts';

export const LOBBY = 'lobby.plenum.localhost';
export const ROOM = `standup@${MUC}`;
export const LOBBY_ROOM = `standup@${LOBBY}`;

export function createLobbyHarness(config: Partial<Omit<LobbyRoomsConfig, 'domain'>> = {}) {
  const clock = new FakeClock();
  const delivered: El[] = [];
  let nextId = 0;
  const newId = (): string => `00000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`;
  const admins = new Set([bareJid(jid(FOCUS))]);
  let main: MucService | undefined;
  const lobby = new LobbyRooms({
    config: { domain: LOBBY, whitelist: [], maxKnockersPerRoom: 10, requireDisplayName: true, ...config },
    log: silentLogger,
    clock,
    newId,
    deliver: (s) => delivered.push(s),
    maxRooms: 100,
    mainRoom: (bare) => main?.room(bare),
  });
  main = new MucService({
    domain: MUC,
    log: silentLogger,
    clock,
    newId,
    deliver: (s) => delivered.push(s),
    policy: { isAdmin: (real) => admins.has(bareJid(real)), mayEnter: () => undefined },
    config: { restrictRoomCreation: true, lockNewRooms: false, maxRooms: 100, maxOccupantsPerRoom: 50, maxHistoryMessages: 0, defaultWhois: 'anyone' },
    hooks: lobby.hooks,
  });
  const mainService = main;

  /** Hands one stanza to the service its `to` names and returns everything delivered in response. */
  function send(source: string | El): El[] {
    const stanza = typeof source === 'string' ? xml(source) : source;
    delivered.length = 0;
    const to = jid(stanza.attrs.to ?? '');
    const service = to.domain === LOBBY ? lobby.service : mainService;
    service.handle(stanza, jid(stanza.attrs.from ?? ''));
    return delivered.splice(0);
  }

  /** A join presence (to room@service/nick) with optional extra children and `<x>` content. */
  function join(real: string, roomNick: string, opts: { nick?: string; password?: string } = {}): El[] {
    const nick = opts.nick === undefined ? '' : `<nick xmlns='http://jabber.org/protocol/nick'>${opts.nick}</nick>`;
    const password = opts.password === undefined ? '' : `<password>${opts.password}</password>`;
    return send(`<presence from='${real}' to='${roomNick}'><x xmlns='http://jabber.org/protocol/muc'>${password}</x>${nick}</presence>`);
  }

  function configure(real: string, fields: Record<string, string>, room = ROOM): El[] {
    const body = Object.entries(fields).map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`).join('');
    return send(`<iq from='${real}' to='${room}' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'>
      <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>${body}</x>
    </query></iq>`);
  }

  /** Focus creates the room and makes `owner` its owner, as Jicofo does for the first participant. */
  function meeting(owner: string, ownerNick: string): void {
    join(FOCUS, `${ROOM}/focus`);
    send(`<iq from='${FOCUS}' to='${ROOM}' type='set' id='own'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='${bareJid(jid(owner))}'/></query></iq>`);
    join(owner, `${ROOM}/${ownerNick}`, { nick: ownerNick });
  }

  /** A moderator's mediated invitation to the main room (how Jitsi approves knockers). */
  function approve(moderator: string, ...knockers: string[]): El[] {
    return send(`<message from='${moderator}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'>${knockers.map((k) => `<invite to='${k}'/>`).join('')}</x></message>`);
  }

  /** A moderator's kick from the lobby room (how Jitsi denies knockers). */
  function deny(moderator: string, knockerNick: string): El[] {
    return send(`<iq from='${moderator}' to='${LOBBY_ROOM}' type='set' id='deny'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='${knockerNick}' role='none'/></query></iq>`);
  }

  return { main: mainService, lobby, clock, send, join, configure, meeting, approve, deny };
}

/** The lobby notices among deliveries to one recipient. */
export function notices(out: readonly El[], real: string): LobbyNotify[] {
  const found: LobbyNotify[] = [];
  for (const s of out) {
    if (s.attrs.to !== real || s.name !== 'message') continue;
    const json = child(s, 'json-message', NS_JITSI_MEET);
    if (json === undefined) continue;
    const decoded = decodeLobbyNotify(json);
    if (decoded.ok) found.push(decoded.value);
  }
  return found;
}

/** The text of `<lobbyroom>` inside the error, in Jitsi's namespace. */
export const lobbyRoomRef = (s: El | undefined): string | undefined => {
  const error = s === undefined ? undefined : child(s, 'error');
  const ref = error === undefined ? undefined : child(error, 'lobbyroom', NS_JITSI_MEET);
  return ref === undefined ? undefined : text(ref);
};
