import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import { parseJid } from '../jid/jid.ts';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import type { DialInCodecError, DialInQuery, DialInResult } from './dial-in-types.ts';
import { DIAL_IN_LIMITS, NS_PLENUM_DIAL_IN } from './dial-in-types.ts';

const bad = (text: string): Result<never, DialInCodecError> => err({ code: 'dial-in/bad-attribute', text });

const PIN = new RegExp(`^\\d{${DIAL_IN_LIMITS.pinMinDigits},${DIAL_IN_LIMITS.pinMaxDigits}}$`);

/** True for a well-formed PIN (decimal digits, 4–16 of them). */
export const isDialInPin = (s: string): boolean => PIN.test(s);

function checkElement(e: El): Result<true, DialInCodecError> {
  return e.name === 'dial-in' && e.attrs.xmlns === NS_PLENUM_DIAL_IN
    ? ok(true)
    : err({ code: 'dial-in/unexpected-element', text: `expected <dial-in> in ${NS_PLENUM_DIAL_IN}` });
}

/** A room must be a bare JID with a node (room@conference.domain); returned lower-cased like MUC nodes. */
function checkRoom(raw: string): Result<string, DialInCodecError> {
  if (raw.length > DIAL_IN_LIMITS.room) return bad('room too long');
  const j = parseJid(raw);
  if (!j.ok || j.value.local === '' || j.value.resource !== '') return bad('room must be a bare room JID');
  return ok(`${j.value.local}@${j.value.domain}`);
}

/** Reads a query: exactly one of pin or room. Never throws. */
export function decodeDialInQuery(e: El): Result<DialInQuery, DialInCodecError> {
  const is = checkElement(e);
  if (!is.ok) return is;
  const { pin, room } = e.attrs;
  if ((pin === undefined) === (room === undefined)) return bad('a dial-in query has exactly one of pin or room');
  if (pin !== undefined) return isDialInPin(pin) ? ok({ pin }) : bad('pin must be 4 to 16 digits');
  const r = checkRoom(room as string);
  return r.ok ? ok({ room: r.value }) : r;
}

/** Writes a query by PIN (`{ pin }`, from a gateway) or by room (`{ room }`, from an occupant). */
export function encodeDialInQuery(q: DialInQuery): El {
  return 'pin' in q ? el('dial-in', { xmlns: NS_PLENUM_DIAL_IN, pin: q.pin }) : el('dial-in', { xmlns: NS_PLENUM_DIAL_IN, room: q.room });
}

/** Reads a result: pin and room required, password optional. Never throws. */
export function decodeDialInResult(e: El): Result<DialInResult, DialInCodecError> {
  const is = checkElement(e);
  if (!is.ok) return is;
  const { pin, room, password } = e.attrs;
  if (pin === undefined || !isDialInPin(pin)) return bad('result pin must be 4 to 16 digits');
  if (room === undefined) return bad('result needs a room');
  const r = checkRoom(room);
  if (!r.ok) return r;
  if (password !== undefined && password.length > DIAL_IN_LIMITS.password) return bad('password too long');
  return ok({ pin, room: r.value, ...(password !== undefined && password !== '' ? { password } : {}) });
}

/** Writes a result; the password only when given. */
export function encodeDialInResult(r: DialInResult): El {
  return el('dial-in', { xmlns: NS_PLENUM_DIAL_IN, pin: r.pin, room: r.room, password: r.password });
}
