import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import { parseJid } from '../jid/jid.ts';
import { parseXsBoolean } from '../xep-0166-jingle/parse-attrs.ts';
import type { ConferenceRequest, ConferenceResponse } from './focus-types.ts';
import { NS_FOCUS } from './focus-types.ts';
import type { FocusCodecError, FocusCodecErrorCode } from './focus-codec-error.ts';

// Jitsi's conference request (protocols.md §1.1, §10): `<conference xmlns="http://jitsi.org/protocol/focus"
// room machine-uid session-id token>` with `<property name value/>` children, IQ-set to the focus,
// and the reply's `ready`, `focusjid` (lower case), `session-id`, `identity`, `vnode`.

type Fail = { readonly ok: false; readonly error: FocusCodecError };
const fail = (code: FocusCodecErrorCode, text: string): Fail => err({ code, text });

function checkElement(c: El): Fail | undefined {
  return c.name === 'conference' && c.attrs.xmlns === NS_FOCUS
    ? undefined
    : fail('focus/unexpected-element', `expected {${NS_FOCUS}}conference`);
}

/** The room must be a bare JID with a localpart (jicofo parses it as an EntityBareJid). Kept as written. */
function checkRoom(room: string | undefined): Result<string, FocusCodecError> {
  if (room === undefined || room === '') return fail('focus/bad-room', 'conference without room');
  const j = parseJid(room);
  if (!j.ok || j.value.local === '' || j.value.resource !== '') return fail('focus/bad-room', `room "${room}" is not a bare room JID`);
  return ok(room);
}

/** `<property name value>` children; a later duplicate name wins, as in jicofo's properties map. */
function decodeProperties(c: El): Result<Readonly<Record<string, string>>, FocusCodecError> {
  const entries = new Map<string, string>();
  for (const p of c.children) {
    if (typeof p === 'string' || p.name !== 'property') continue;
    if (p.attrs.xmlns !== undefined && p.attrs.xmlns !== NS_FOCUS) continue;
    const name = p.attrs.name;
    if (name === undefined || name === '') return fail('focus/bad-property', 'property without name');
    entries.delete(name);
    entries.set(name, p.attrs.value ?? '');
  }
  // Object.fromEntries: a property named "__proto__" stays an ordinary own property.
  return ok(Object.fromEntries(entries));
}

const encodeProperties = (props: Readonly<Record<string, string>>): El[] =>
  Object.entries(props).map(([name, value]) => el('property', { name, value }));

/** Reads the client's `<conference>` request. Never throws. */
export function decodeConferenceRequest(conference: El): Result<ConferenceRequest, FocusCodecError> {
  const bad = checkElement(conference);
  if (bad !== undefined) return bad;
  const room = checkRoom(conference.attrs.room);
  if (!room.ok) return room;
  const properties = decodeProperties(conference);
  if (!properties.ok) return properties;
  const a = conference.attrs;
  return ok({
    room: room.value,
    ...(a['machine-uid'] !== undefined ? { machineUid: a['machine-uid'] } : {}),
    ...(a['session-id'] !== undefined ? { sessionId: a['session-id'] } : {}),
    ...(a.token !== undefined ? { token: a.token } : {}),
    properties: properties.value,
  });
}

/** Writes the request (`room`, `machine-uid`, `session-id`, `token`, properties). */
export function encodeConferenceRequest(r: ConferenceRequest): El {
  return el('conference',
    { xmlns: NS_FOCUS, room: r.room, 'machine-uid': r.machineUid, 'session-id': r.sessionId, token: r.token },
    encodeProperties(r.properties));
}

/** Reads the focus's reply; a missing `ready` reads as false (the client then retries). Never throws. */
export function decodeConferenceResponse(conference: El): Result<ConferenceResponse, FocusCodecError> {
  const bad = checkElement(conference);
  if (bad !== undefined) return bad;
  const room = checkRoom(conference.attrs.room);
  if (!room.ok) return room;
  const a = conference.attrs;
  const ready = a.ready === undefined ? false : parseXsBoolean(a.ready);
  if (ready === undefined) return fail('focus/bad-attribute', `ready must be true or false, not "${a.ready ?? ''}"`);
  const properties = decodeProperties(conference);
  if (!properties.ok) return properties;
  return ok({
    room: room.value,
    ready,
    ...(a.focusjid !== undefined ? { focusJid: a.focusjid } : {}),
    ...(a['session-id'] !== undefined ? { sessionId: a['session-id'] } : {}),
    ...(a.identity !== undefined ? { identity: a.identity } : {}),
    ...(a.vnode !== undefined ? { vnode: a.vnode } : {}),
    properties: properties.value,
  });
}

/** Writes the reply (`room`, `ready`, `focusjid`, `session-id`, `identity`, `vnode`, properties). */
export function encodeConferenceResponse(r: ConferenceResponse): El {
  return el('conference', {
    xmlns: NS_FOCUS, room: r.room, ready: String(r.ready), focusjid: r.focusJid, 'session-id': r.sessionId,
    identity: r.identity, vnode: r.vnode,
  }, encodeProperties(r.properties));
}
