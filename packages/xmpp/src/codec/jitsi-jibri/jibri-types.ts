// Jibri's wire vocabulary (protocols.md §6): the `jibri` IQ between client, focus and recorder, the
// recorder's status presence in the jibri brewery, and the focus's `jibri-recording-status`.

export const NS_JIBRI = 'http://jitsi.org/protocol/jibri';
export const NS_HEALTH = 'http://jitsi.org/protocol/health';
/**
 * Plenum's extension (docs/architecture.md): a recorder's final `status="off"` may carry
 * `<recording-link xmlns="urn:plenum:recording:0" url="…"/>`, the download link for the moderator
 * who started the recording. Jitsi's jibri IQ has no field for it.
 */
export const NS_PLENUM_RECORDING = 'urn:plenum:recording:0';

export type JibriAction = 'start' | 'stop';
export type RecordingMode = 'file' | 'stream';
/** The status a recorder reports and the focus publishes. */
export type RecordingStatus = 'on' | 'off' | 'pending';
export type JibriFailureReason = 'busy' | 'error';

/**
 * The `<jibri>` IQ payload. A client sends action/recording_mode/streamid/app_data to the focus; the
 * focus forwards a start with room/session_id to a recorder; the recorder reports status changes with
 * status/failure_reason/should_retry. Every field is optional on the wire; the focus and the
 * recorder check what their step needs.
 */
export type JibriIq = {
  readonly action?: JibriAction;
  readonly recordingMode?: RecordingMode;
  readonly streamId?: string;
  readonly youTubeBroadcastId?: string;
  readonly appData?: string;
  readonly room?: string;
  readonly sessionId?: string;
  readonly displayName?: string;
  readonly sipAddress?: string;
  readonly status?: RecordingStatus;
  readonly failureReason?: JibriFailureReason;
  readonly shouldRetry?: boolean;
  /** Plenum extension: where the finished recording can be downloaded (recorder → focus only). */
  readonly downloadUrl?: string;
};

/** A recorder's presence in the jibri brewery: available = idle + healthy. */
export type JibriStatus = {
  readonly busy: 'idle' | 'busy';
  readonly health: 'healthy' | 'unhealthy';
};

/** What the focus publishes in its room presence (lib-jitsi-meet reads it). */
export type RecordingStatusExtension = {
  readonly status: RecordingStatus;
  readonly recordingMode?: RecordingMode;
  readonly sessionId?: string;
  /** The real JID of the moderator who started it. */
  readonly initiator?: string;
  readonly failureReason?: string;
};

export type JibriCodecErrorCode = 'jibri/unexpected-element' | 'jibri/bad-attribute';

/** A decode failure with a stable code (returned, never thrown). */
export type JibriCodecError = { readonly code: JibriCodecErrorCode; readonly text: string };
