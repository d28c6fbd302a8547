// Why a call could not join (or stay in) its conference (style C7), with the XMPP condition that
// caused it, and the SIP answer each becomes (RFC 3261 §21) — the call flow turns a failed join into
// a final response to the INVITE with sipStatusFor().
import { PlenumError } from '@plenum/kit';
import type { StanzaCondition } from '@plenum/kit';

export type ConferenceLegErrorCode =
  /** The room has a password and none / a wrong one was given (MUC not-authorized, XEP-0045 §7.2.5). */
  | 'room-locked'
  /** Members-only room or lobby (MUC registration-required, §7.2.6): the caller would have to knock. */
  | 'members-only'
  /** Banned or otherwise refused by the room (MUC forbidden) or the focus (not-authorized to start). */
  | 'forbidden'
  /** No such room / not a room of this deployment (focus bad-request, MUC item-not-found). */
  | 'room-not-found'
  /** The room or conference is full (MUC service-unavailable, focus resource-constraint). */
  | 'room-full'
  /** The focus answered with another error, or the conference never became ready. */
  | 'focus-refused'
  /** The focus or the room did not answer in time, or the XMPP connection is down. */
  | 'focus-unavailable'
  /** Joined, but no session-initiate from the focus in time. */
  | 'no-session'
  /** The offer could not be answered, or ICE/DTLS with the bridge did not come up. */
  | 'media-failed'
  /** leave() was called while joining. */
  | 'closed';

export type ConferenceLegError = PlenumError<ConferenceLegErrorCode> & { readonly condition?: StanzaCondition };

function make(code: ConferenceLegErrorCode, message: string, condition?: StanzaCondition, cause?: unknown): ConferenceLegError {
  const e = new PlenumError<ConferenceLegErrorCode>(code, message, cause !== undefined ? { cause } : {});
  return Object.assign(e, condition !== undefined ? { condition } : {});
}

/** Factories for the leg's errors. */
export const LegError = {
  roomLocked: () => make('room-locked', 'the room is locked with a password', 'not-authorized'),
  membersOnly: () => make('members-only', 'the room is members-only (lobby)', 'registration-required'),
  forbidden: (text: string, condition: StanzaCondition) => make('forbidden', text, condition),
  roomNotFound: (text: string, condition?: StanzaCondition) => make('room-not-found', text, condition),
  roomFull: (text: string, condition: StanzaCondition) => make('room-full', text, condition),
  focusRefused: (text: string, condition?: StanzaCondition, cause?: unknown) => make('focus-refused', text, condition, cause),
  focusUnavailable: (text: string, cause?: unknown) => make('focus-unavailable', text, 'remote-server-timeout', cause),
  noSession: (timeoutMs: number) => make('no-session', `no session-initiate from the focus within ${timeoutMs} ms`),
  mediaFailed: (text: string, cause?: unknown) => make('media-failed', text, undefined, cause),
  closed: () => make('closed', 'the call left while joining'),
};

/** True when `e` is one of the leg's errors (with this code). */
export const isConferenceLegError = (e: unknown, code?: ConferenceLegErrorCode): e is ConferenceLegError =>
  e instanceof PlenumError && LEG_CODES.has(e.code) && (code === undefined || e.code === code);

const LEG_CODES: ReadonlySet<string> = new Set<ConferenceLegErrorCode>([
  'room-locked', 'members-only', 'forbidden', 'room-not-found', 'room-full', 'focus-refused', 'focus-unavailable', 'no-session', 'media-failed', 'closed',
]);

/**
 * The final SIP response for a failed join:
 *
 * | leg error | SIP | why |
 * | --- | --- | --- |
 * | room-locked, members-only, forbidden | 403 Forbidden | the room refuses this caller; retrying does not help |
 * | room-not-found | 404 Not Found | no such conference |
 * | room-full | 486 Busy Here | the conference is at its limit |
 * | no-session, media-failed | 480 Temporarily Unavailable | the conference exists but media did not come up: try again |
 * | focus-refused, focus-unavailable | 503 Service Unavailable | the conference service cannot take the call now |
 * | closed | 487 Request Terminated | the caller hung up while joining |
 * | anything else (a bug) | 500 Server Internal Error | |
 */
export function sipStatusFor(error: unknown): number {
  if (!isConferenceLegError(error)) return 500;
  switch (error.code) {
    case 'room-locked':
    case 'members-only':
    case 'forbidden':
      return 403;
    case 'room-not-found':
      return 404;
    case 'room-full':
      return 486;
    case 'no-session':
    case 'media-failed':
      return 480;
    case 'focus-refused':
    case 'focus-unavailable':
      return 503;
    case 'closed':
      return 487;
  }
}

/** The leg error for the MUC's error presence to our join (XEP-0045 §7.2). */
export function joinRefusal(condition: StanzaCondition | undefined, text: string | undefined): ConferenceLegError {
  const what = text ?? condition ?? 'unknown error';
  switch (condition) {
    case 'not-authorized':
      return LegError.roomLocked();
    case 'registration-required':
      return LegError.membersOnly();
    case 'forbidden':
      return LegError.forbidden(`the room refused the caller: ${what}`, condition);
    case 'item-not-found':
      return LegError.roomNotFound(`no such room: ${what}`, condition);
    case 'service-unavailable':
      return LegError.roomFull(`the room is full: ${what}`, condition);
    default:
      return LegError.focusRefused(`the room refused the join: ${what}`, condition);
  }
}

/** The leg error for the focus's error reply to the conference request (protocols.md §1.1). */
export function conferenceRefusal(condition: StanzaCondition | undefined, text: string | undefined, cause: unknown): ConferenceLegError {
  const what = text ?? condition ?? 'unknown error';
  switch (condition) {
    case 'not-authorized':
    case 'forbidden':
      return LegError.forbidden(`the focus refused the conference: ${what}`, condition);
    case 'bad-request':
    case 'item-not-found':
      return LegError.roomNotFound(`the focus refused the room: ${what}`, condition);
    case 'resource-constraint':
      return LegError.roomFull(`the conference is full: ${what}`, condition);
    case 'remote-server-timeout':
      return LegError.focusUnavailable(`the focus timed out: ${what}`, cause);
    default:
      return LegError.focusRefused(`the focus refused the conference: ${what}`, condition, cause);
  }
}
