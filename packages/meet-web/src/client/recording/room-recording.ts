// The room's recording as the client sees it (protocols.md §6): the focus announces the state in
// its own room presence (`<jibri-recording-status status initiator failure_reason>`), and a
// moderator starts and stops it with a `<jibri action>` IQ to the focus occupant. The focus checks
// the role; its refusals become `FeatureError`s the views can show.
import type { El } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, child, decodeRecordingStatus, el, encodeJibriIq, text } from '@plenum/xmpp/codec';
import type { FeatureError, RecordingView } from '../conference-api.ts';
import { errorConditionOf, errorStanzaOf } from '../xmpp/xmpp-connection.ts';

/** Who a real JID is in the room: a display name, and whether it is us. */
export type JidResolver = (realJid: string) => { readonly name: string | undefined; readonly isLocal: boolean };

/** The recording state read from the focus's presence. */
export class RoomRecording {
  #status: RecordingView['status'] = 'off';
  #initiator: string | undefined;
  #failure: string | undefined;
  #downloadUrl: string | undefined;

  /** Reads a presence of the focus occupant; true when the recording state changed. */
  readFocusPresence(presence: El): boolean {
    const decoded = decodeRecordingStatus(presence);
    // No extension (or a malformed one): the focus said nothing about recording this time.
    if (!decoded.ok || decoded.value === undefined) return false;
    // Live streaming has no view yet; its status must not turn the REC indicator on or off.
    if (decoded.value.recordingMode === 'stream') return false;
    const { status, initiator, failureReason } = decoded.value;
    const failure = status === 'off' ? failureReason : undefined;
    const nextInitiator = status === 'off' ? undefined : initiator ?? this.#initiator;
    if (status === this.#status && nextInitiator === this.#initiator && failure === this.#failure) return false;
    // A new recording: the last one's link is no longer the news.
    if (status !== 'off') this.#downloadUrl = undefined;
    this.#status = status;
    this.#initiator = nextInitiator;
    this.#failure = failure;
    return true;
  }

  /**
   * Reads a private message of the focus occupant: the download link of a recording we started
   * (Plenum's `{type: "recording-link", url}` json-message). True when it was one.
   */
  readLinkMessage(message: El): boolean {
    const json = child(message, 'json-message', NS_JITSI_MEET);
    if (json === undefined || message.attrs.type !== 'chat') return false;
    const raw = text(json);
    if (raw.length > 4096) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== 'recording-link') return false;
    const url = (parsed as { url?: unknown }).url;
    // Only web links: this becomes an <a href>, and a javascript: URL must never get there.
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return false;
    this.#downloadUrl = url;
    return true;
  }

  view(resolve: JidResolver): RecordingView {
    const who = this.#initiator === undefined ? undefined : resolve(this.#initiator);
    return { status: this.#status, initiatorName: who?.name, startedByYou: who?.isLocal ?? false, failure: this.#failure, downloadUrl: this.#downloadUrl };
  }
}

/** The `<jibri>` IQ that starts or stops a file recording, to the focus occupant `to`. */
export function recordingRequest(to: string, action: 'start' | 'stop'): El {
  return el('iq', { type: 'set', to }, encodeJibriIq({ action, recordingMode: 'file' }));
}

/** What the focus's refusal of a recording request means for the user. */
export function recordingRefusal(error: unknown, action: 'start' | 'stop'): FeatureError {
  const stanza = errorStanzaOf(error);
  const condition = stanza === undefined ? undefined : errorConditionOf(stanza);
  switch (condition) {
    case 'forbidden':
    case 'not-authorized':
      return { code: 'not-allowed', message: `Only moderators can ${action} the recording.` };
    case 'service-unavailable':
      return { code: 'unavailable', message: 'Recording is not available: no recorder runs on this server.' };
    case 'resource-constraint':
      return { code: 'busy', message: 'All recorders are busy. Try again in a few minutes.' };
    case 'item-not-found':
      return { code: 'failed', message: 'No recording is running.' };
    case 'not-allowed':
      return { code: 'failed', message: 'This meeting is already being recorded.' };
    default:
      return { code: 'failed', message: action === 'start' ? 'The recording could not be started.' : 'The recording could not be stopped.' };
  }
}
