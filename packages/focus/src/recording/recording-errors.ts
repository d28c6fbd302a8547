// The recording control's own refusals (protocols.md §6): no recorder at all is
// `service-unavailable`, every recorder busy is `resource-constraint`, a recorder that failed the
// start is `internal-server-error`.
import { PlenumError } from '@plenum/kit';

export type RecordingErrorCode = 'no-recorder' | 'recorders-busy' | 'recorder-failed';

export const RecordingError = {
  noRecorder: () => new PlenumError<RecordingErrorCode>('no-recorder', 'no recorder is available',
    { stanza: { type: 'cancel', condition: 'service-unavailable', text: 'no recorder is available' } }),
  busy: () => new PlenumError<RecordingErrorCode>('recorders-busy', 'every recorder is busy',
    { stanza: { type: 'wait', condition: 'resource-constraint', text: 'every recorder is busy' } }),
  recorderFailed: (cause: unknown) => new PlenumError<RecordingErrorCode>('recorder-failed', 'the recorder could not start',
    { cause, stanza: { type: 'wait', condition: 'internal-server-error', text: 'the recorder could not start' } }),
};
