// The focus's expected failures (style C7): each carries the stanza error it becomes on the wire.
import { PlenumError } from '@plenum/kit';

/** Stable codes of the focus's expected failures. */
export type FocusErrorCode =
  | 'bad-request' | 'bad-room' | 'not-authorized' | 'bad-token' | 'conference-limit' | 'participant-limit'
  | 'join-rate' | 'no-bridge' | 'bridge-failed' | 'forbidden' | 'not-allowed' | 'bad-sources' | 'unknown-session'
  | 'restart-rate' | 'timeout' | 'remote-error' | 'disconnected' | 'closed' | 'room-failed' | 'unknown-participant'
  | 'not-implemented' | 'unsupported';

type Factory = (...args: never[]) => PlenumError<FocusErrorCode>;

/** Factories for every focus error. */
export const FocusError = {
  badRequest: (text: string) => new PlenumError('bad-request', text, { stanza: { type: 'modify', condition: 'bad-request', text } }),
  badRoom: (text: string) => new PlenumError('bad-room', text, { stanza: { type: 'modify', condition: 'bad-request', text } }),
  /** protocols.md §1.1/§8.2: the client prompts for login and retries. */
  notAuthorized: (text = 'only authenticated users may start a conference') =>
    new PlenumError('not-authorized', text, { stanza: { type: 'auth', condition: 'not-authorized', text } }),
  badToken: (text: string) => new PlenumError('bad-token', `token refused: ${text}`, { stanza: { type: 'auth', condition: 'not-authorized', text: `token refused: ${text}` } }),
  conferenceLimit: (max: number) => new PlenumError('conference-limit', `this focus runs at most ${max} conferences`,
    { stanza: { type: 'wait', condition: 'service-unavailable', text: `this focus runs at most ${max} conferences` } }),
  participantLimit: (max: number) => new PlenumError('participant-limit', `the conference is full (${max} participants)`,
    { stanza: { type: 'wait', condition: 'resource-constraint', text: `the conference is full (${max} participants)` } }),
  joinRate: () => new PlenumError('join-rate', 'too many join requests for this conference, retry shortly',
    { stanza: { type: 'wait', condition: 'resource-constraint', text: 'too many join requests for this conference, retry shortly' } }),
  noBridge: () => new PlenumError('no-bridge', 'no healthy bridge available',
    { stanza: { type: 'wait', condition: 'service-unavailable', text: 'no healthy bridge available' } }),
  bridgeFailed: (text: string, cause?: unknown) => new PlenumError('bridge-failed', text,
    { cause, stanza: { type: 'wait', condition: 'service-unavailable', text } }),
  /** protocols.md §8.5: only moderators mute others. */
  forbidden: (text: string) => new PlenumError('forbidden', text, { stanza: { type: 'auth', condition: 'forbidden', text } }),
  /** protocols.md §8.5: nobody unmutes others. */
  notAllowed: (text: string) => new PlenumError('not-allowed', text, { stanza: { type: 'cancel', condition: 'not-allowed', text } }),
  badSources: (text: string) => new PlenumError('bad-sources', text, { stanza: { type: 'modify', condition: 'bad-request', text } }),
  unknownSession: (text = 'no such Jingle session') => new PlenumError('unknown-session', text,
    { stanza: { type: 'cancel', condition: 'item-not-found', text } }),
  restartRate: () => new PlenumError('restart-rate', 'too many session restarts, wait a little',
    { stanza: { type: 'wait', condition: 'resource-constraint', text: 'too many session restarts, wait a little' } }),
  timeout: (what: string) => new PlenumError('timeout', `${what} timed out`, { stanza: { type: 'wait', condition: 'remote-server-timeout' } }),
  /** The peer answered an IQ with an error; `condition` is its defined condition. */
  remoteError: (condition: string, text: string | undefined, reply: unknown) =>
    new PlenumError('remote-error', `remote error ${condition}${text !== undefined ? `: ${text}` : ''}`, { cause: reply }),
  roomFailed: (text: string, cause?: unknown) => new PlenumError('room-failed', text,
    { cause, stanza: { type: 'wait', condition: 'service-unavailable', text: 'the conference room could not be set up' } }),
  unknownParticipant: (text = 'no such participant') => new PlenumError('unknown-participant', text,
    { stanza: { type: 'cancel', condition: 'item-not-found', text } }),
  notImplemented: (text: string) => new PlenumError('not-implemented', text, { stanza: { type: 'cancel', condition: 'feature-not-implemented', text } }),
  /** RFC 6120 §8.4: an IQ nobody here handles. */
  unsupported: () => new PlenumError('unsupported', 'the focus does not handle this request', { stanza: { type: 'cancel', condition: 'service-unavailable' } }),
  disconnected: () => new PlenumError('disconnected', 'the XMPP connection is down'),
  closed: () => new PlenumError('closed', 'the focus is closing', { stanza: { type: 'cancel', condition: 'service-unavailable', text: 'the focus is closing' } }),
} satisfies Record<string, Factory>;

/** True when `e` is a focus error with this code. */
export const isFocusError = (e: unknown, code?: FocusErrorCode): e is PlenumError<FocusErrorCode> =>
  e instanceof PlenumError && (code === undefined || e.code === code);
