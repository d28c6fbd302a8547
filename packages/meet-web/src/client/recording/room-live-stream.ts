// The room's live stream as the client sees it (protocols.md §6 stream mode): the focus announces
// it like a recording, in its room presence, with `recording_mode="stream"`; a moderator starts it
// with `<jibri action="start" recording_mode="stream" streamid="…">`, where the stream id is an
// rtmp(s):// URL or a bare stream key (the recorder sends a key to YouTube's ingest). The key is a
// secret: it goes to the focus only and is never kept in the view.
import type { El } from '@plenum/xmpp/codec';
import { decodeRecordingStatus, el, encodeJibriIq } from '@plenum/xmpp/codec';
import type { FeatureError, LiveStreamView } from '../conference-api.ts';
import type { JidResolver } from './room-recording.ts';
import { errorConditionOf, errorStanzaOf } from '../xmpp/xmpp-connection.ts';

export { liveStreamTarget } from './live-stream-target.ts';

export class RoomLiveStream {
  #status: LiveStreamView['status'] = 'off';
  #initiator: string | undefined;
  #failure: string | undefined;

  /** Reads a presence of the focus occupant; true when the live stream's state changed. */
  readFocusPresence(presence: El): boolean {
    const decoded = decodeRecordingStatus(presence);
    if (!decoded.ok || decoded.value === undefined || decoded.value.recordingMode !== 'stream') return false;
    const { status, initiator, failureReason } = decoded.value;
    const failure = status === 'off' ? failureReason : undefined;
    const nextInitiator = status === 'off' ? undefined : initiator ?? this.#initiator;
    if (status === this.#status && nextInitiator === this.#initiator && failure === this.#failure) return false;
    this.#status = status;
    this.#initiator = nextInitiator;
    this.#failure = failure;
    return true;
  }

  view(resolve: JidResolver): LiveStreamView {
    const who = this.#initiator === undefined ? undefined : resolve(this.#initiator);
    return { status: this.#status, initiatorName: who?.name, startedByYou: who?.isLocal ?? false, failure: this.#failure };
  }
}

/** The `<jibri>` IQ that starts a live stream to `target` (see liveStreamTarget) or stops it, to the focus occupant `to`. */
export function liveStreamRequest(to: string, action: 'start' | 'stop', target?: string): El {
  return el('iq', { type: 'set', to }, encodeJibriIq({ action, recordingMode: 'stream', ...(action === 'start' && target !== undefined ? { streamId: target } : {}) }));
}

/** What the focus's refusal of a live stream request means for the user. */
export function liveStreamRefusal(error: unknown, action: 'start' | 'stop'): FeatureError {
  const stanza = errorStanzaOf(error);
  const condition = stanza === undefined ? undefined : errorConditionOf(stanza);
  switch (condition) {
    case 'forbidden':
    case 'not-authorized':
      return { code: 'not-allowed', message: `Only moderators can ${action} a live stream.` };
    case 'service-unavailable':
      return { code: 'unavailable', message: 'Live streaming is not available: no recorder runs on this server.' };
    case 'resource-constraint':
      return { code: 'busy', message: 'All recorders are busy. Try again in a few minutes.' };
    case 'bad-request':
      return { code: 'failed', message: 'That is not a stream key or an rtmp:// address.' };
    case 'not-allowed':
      return { code: 'failed', message: 'This meeting is already being recorded or streamed.' };
    default:
      return { code: 'failed', message: action === 'start' ? 'The live stream could not be started.' : 'The live stream could not be stopped.' };
  }
}
