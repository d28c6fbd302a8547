// The recorder's expected failures (style C7), with the stanza error they become when the focus
// asked for something the recorder cannot do.
import { PlenumError } from '@plenum/kit';

export type RecorderErrorCode = 'busy' | 'bad-request' | 'unsupported-mode' | 'unknown-session' | 'bad-offer' | 'media-failed' | 'timeout' | 'forbidden';

export const RecorderError = {
  busy: () => new PlenumError<RecorderErrorCode>('busy', 'this recorder is busy', { stanza: { type: 'wait', condition: 'resource-constraint', text: 'this recorder is busy' } }),
  badRequest: (text: string) => new PlenumError<RecorderErrorCode>('bad-request', text, { stanza: { type: 'modify', condition: 'bad-request', text } }),
  unsupportedMode: (mode: string) => new PlenumError<RecorderErrorCode>('unsupported-mode', `recording mode ${mode} is not supported yet`,
    { stanza: { type: 'cancel', condition: 'feature-not-implemented', text: `recording mode ${mode} is not supported yet` } }),
  unknownSession: () => new PlenumError<RecorderErrorCode>('unknown-session', 'no such recording session',
    { stanza: { type: 'cancel', condition: 'item-not-found', text: 'no such recording session' } }),
  forbidden: () => new PlenumError<RecorderErrorCode>('forbidden', 'only the focus controls this recorder',
    { stanza: { type: 'auth', condition: 'forbidden', text: 'only the focus controls this recorder' } }),
  badOffer: (text: string) => new PlenumError<RecorderErrorCode>('bad-offer', text),
  mediaFailed: (text: string) => new PlenumError<RecorderErrorCode>('media-failed', text),
  timeout: (what: string) => new PlenumError<RecorderErrorCode>('timeout', `${what} timed out`),
};
