import type { StanzaCondition, StanzaErrorBody } from '@plenum/kit';
import type { El } from '../../codec/xml/index.ts';
import { el } from '../../codec/xml/index.ts';
import { encodeStanzaError } from '../../codec/stanza/index.ts';
import { NS_MUC } from '../../codec/xep-0045-muc/index.ts';

// Every refusal of the MUC service, with the stanza error XEP-0045 prescribes (section noted).
// Bodies are plain data so handlers can return them; the service turns them into replies.

const body = (type: StanzaErrorBody['type'], condition: StanzaCondition, text?: string): StanzaErrorBody =>
  (text === undefined ? { type, condition } : { type, condition, text });

/** The MUC service's error bodies. */
export const MucErrors = {
  /** §10.1.1: room creation is reserved to service admins (Prosody's restrict_room_creation). */
  creationRestricted: () => body('cancel', 'not-allowed',
    'room does not exist; ask the focus (http://jitsi.org/protocol/focus conference IQ) to create it'),
  tooManyRooms: () => body('wait', 'resource-constraint', 'the service has reached its room limit'),
  /** §7.2.1: presence to the bare room JID. */
  nickRequired: () => body('modify', 'jid-malformed', 'a room nickname is required (presence to room@service/nick)'),
  /** §7.2.5 */
  passwordRequired: () => body('auth', 'not-authorized', 'a correct room password is required'),
  /** §7.2.6 */
  membersOnly: () => body('auth', 'registration-required', 'this room is members-only'),
  /** §7.2.7 */
  banned: () => body('auth', 'forbidden', 'you are banned from this room'),
  /** §7.2.8, §7.6 */
  nickConflict: () => body('cancel', 'conflict', 'that nickname is in use'),
  /** §7.2.9 */
  roomFull: () => body('wait', 'service-unavailable', 'the room is full'),
  /** §7.2.10 */
  roomLocked: () => body('cancel', 'item-not-found', 'the room is locked until its owner configures it'),
  roomNotFound: () => body('cancel', 'item-not-found', 'no such room'),
  occupantNotFound: () => body('cancel', 'item-not-found', 'no such occupant'),
  /** §7.4, §7.5: only occupants may talk in the room or privately. */
  notOccupant: () => body('cancel', 'not-acceptable', 'only occupants may send this; join the room first'),
  /**
   * IQs to occupants come from occupants only. XEP-0045 §6.6 says bad-request for disco; XEP-0410 §3.3
   * recommends not-acceptable, which clients' self-ping reads as "not joined": one answer for all.
   */
  iqFromNonOccupant: () => body('cancel', 'not-acceptable', 'only occupants may send IQs to occupants'),
  /** §7.4: visitors have no voice. */
  noVoice: () => body('auth', 'forbidden', 'you have no voice in this room'),
  /** §8.1 */
  subjectForbidden: () => body('auth', 'forbidden', 'you may not change the subject'),
  /** §7.5 */
  privateGroupchat: () => body('modify', 'bad-request', 'private messages cannot be of type groupchat'),
  /** §17.2: only groupchat, invitations and declines go to the room itself. */
  messageTypeToRoom: () => body('modify', 'bad-request', 'messages to the room must be of type groupchat'),
  /** §8 (moderator use cases): requester is not a moderator. */
  notModerator: () => body('auth', 'forbidden', 'only moderators may change roles'),
  /** §9 (admin use cases): requester is not an admin or owner. */
  notAdmin: () => body('auth', 'forbidden', 'only room admins and owners may do this'),
  /** §10: requester is not an owner. */
  notOwner: () => body('auth', 'forbidden', 'only room owners may do this'),
  /** §8.2, §8.4, §9.1, §9.7: target's affiliation protects it. */
  outranked: () => body('cancel', 'not-allowed', 'the target has a higher or protected affiliation'),
  /** Service admins are owners of every room; their affiliation cannot change. */
  serviceAdmin: () => body('cancel', 'not-allowed', 'service administrators are owners of every room'),
  /** §8.2 (kick self), §9.1 (ban self), §10.4 (last owner). */
  selfConflict: (what: string) => body('cancel', 'conflict', what),
  /** §7.8.2, §9.5: members-only rooms restrict invitations. */
  inviteForbidden: () => body('auth', 'forbidden', 'you may not invite others to this room'),
  /** §10.1.3, §10.2: the submitted configuration is not acceptable. */
  badConfig: (text: string) => body('modify', 'not-acceptable', text),
  badRequest: (text: string) => body('modify', 'bad-request', text),
  jidMalformed: (text: string) => body('modify', 'jid-malformed', text),
  /** RFC 6120 §8.4: unsupported IQ payloads. */
  unsupported: () => body('cancel', 'service-unavailable'),
  shutDown: () => body('cancel', 'service-unavailable', 'the MUC service is shutting down'),
} satisfies Record<string, (...args: never[]) => StanzaErrorBody>;

// COMPAT(pre-RFC 3920 clients): legacy numeric codes (XEP-0086 §3) beside the condition, as
// Prosody adds for MUC errors; harmless for modern clients.
const LEGACY_CODES: Partial<Record<StanzaCondition, number>> = {
  'bad-request': 400, 'jid-malformed': 400, 'not-authorized': 401, forbidden: 403, 'item-not-found': 404,
  'not-allowed': 405, 'not-acceptable': 406, 'registration-required': 407, conflict: 409,
  'resource-constraint': 500, 'service-unavailable': 503,
};

/**
 * A refusal that carries application elements besides the condition (Jitsi's lobby puts
 * `<lobbyroom>` into the error of a refused join).
 */
export type MucRefusal = StanzaErrorBody & {
  /** Extra children of `<error>` (RFC 6120 §8.3.2 application-specific conditions). */
  readonly errorChildren?: readonly El[];
  /** Extra children of the error stanza itself, before the echoed payload. */
  readonly stanzaChildren?: readonly El[];
};

/**
 * The error reply to a MUC request (RFC 6120 §8.3): addresses swapped, the IQ payload echoed, and for
 * refused joins an empty `<x xmlns='…muc'/>` as in XEP-0045 §7.2.5–§7.2.10.
 */
export function mucErrorReply(stanza: El, error: MucRefusal, opts: { by?: string; isJoin?: boolean } = {}): El {
  const { errorChildren, stanzaChildren, ...body } = error;
  const e = encodeStanzaError(body, errorChildren ?? [], opts.by);
  const code = LEGACY_CODES[error.condition];
  if (code !== undefined) e.attrs.code = String(code);
  const payload = stanza.name === 'iq'
    ? stanza.children.filter((c): c is El => typeof c !== 'string').slice(0, 1)
    : opts.isJoin === true ? [el('x', { xmlns: NS_MUC })] : [];
  return el(stanza.name, { from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, type: 'error' }, payload, e, stanzaChildren ?? []);
}
