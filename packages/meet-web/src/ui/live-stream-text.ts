// What people are told about the meeting's live stream as it changes. Everyone gets these: people
// must know when they are broadcast.
import type { LiveStreamView } from '../client/conference-api.ts';
import type { RecordingNotice } from './recording-text.ts';

/** The notice for a change of the live stream (`before` undefined: we just joined), if any. */
export function liveStreamNotice(before: LiveStreamView | undefined, after: LiveStreamView): RecordingNotice | undefined {
  const was = before?.status ?? 'off';
  if (was === after.status) return undefined;
  switch (after.status) {
    case 'pending':
      return before === undefined ? undefined : { kind: 'info', text: 'Starting the live stream…' };
    case 'on':
      if (before === undefined) return { kind: 'warning', text: 'This meeting is being streamed live.' };
      if (after.startedByYou) return { kind: 'warning', text: 'You are live. Everyone sees that this meeting is streamed.' };
      return { kind: 'warning', text: after.initiatorName !== undefined ? `${after.initiatorName} started streaming this meeting live.` : 'This meeting is now streamed live.' };
    case 'off':
      if (after.failure !== undefined) return { kind: 'error', text: was === 'pending' ? 'The live stream could not start.' : 'The live stream stopped because of an error.' };
      return { kind: 'info', text: was === 'pending' ? 'The live stream was cancelled.' : 'The live stream has ended.' };
    default:
      return assertNever(after.status);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
