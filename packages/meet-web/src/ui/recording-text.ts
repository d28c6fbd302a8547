// What people are told about the meeting's recording as it changes. Everyone gets these, not only
// the moderator who pressed the button: people must know when they are being recorded.
import type { RecordingView } from '../client/conference-api.ts';

export type RecordingNotice = { readonly kind: 'info' | 'warning' | 'error'; readonly text: string };

/** The notice for a change of the recording state (`before` undefined: we just joined), if any. */
export function recordingNotice(before: RecordingView | undefined, after: RecordingView): RecordingNotice | undefined {
  const was = before?.status ?? 'off';
  if (after.downloadUrl !== undefined && after.downloadUrl !== before?.downloadUrl) {
    return { kind: 'info', text: 'Your recording is ready: download it from the top bar.' };
  }
  if (was === after.status) return undefined;
  switch (after.status) {
    case 'pending':
      return before === undefined ? undefined : { kind: 'info', text: 'Starting the recording…' };
    case 'on':
      if (before === undefined) return { kind: 'warning', text: 'This meeting is being recorded.' };
      if (after.startedByYou) return { kind: 'warning', text: 'You started recording. Everyone sees that this meeting is being recorded.' };
      return { kind: 'warning', text: after.initiatorName !== undefined ? `${after.initiatorName} started recording this meeting.` : 'This meeting is now being recorded.' };
    case 'off':
      if (after.failure !== undefined) {
        return { kind: 'error', text: was === 'pending' ? 'The recording could not start.' : 'The recording stopped because of an error. What was recorded so far is kept.' };
      }
      return { kind: 'info', text: was === 'pending' ? 'The recording was cancelled.' : 'Recording stopped.' };
    default:
      return assertNever(after.status);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
