import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { child, el } from '../xml/element.ts';
import type {
  JibriCodecError, JibriIq, JibriStatus, RecordingStatusExtension,
} from './jibri-types.ts';
import { NS_HEALTH, NS_JIBRI, NS_PLENUM_RECORDING } from './jibri-types.ts';

// Attribute names exactly as Jicofo and Jibri write them (protocols.md §6: snake case, and the
// one-word `streamid` / `displayname` / `sipaddress`).

const ACTIONS = ['start', 'stop'] as const;
const MODES = ['file', 'stream'] as const;
const STATUSES = ['on', 'off', 'pending'] as const;
const FAILURES = ['busy', 'error'] as const;

function oneOf<T extends string>(e: El, name: string, allowed: readonly T[]): Result<T | undefined, JibriCodecError> {
  const v = e.attrs[name];
  if (v === undefined) return ok(undefined);
  const lower = v.toLowerCase();
  return (allowed as readonly string[]).includes(lower)
    ? ok(lower as T)
    : err({ code: 'jibri/bad-attribute', text: `${name} must be one of ${allowed.join('|')}` });
}

/** Reads a `<jibri xmlns="http://jitsi.org/protocol/jibri">` element. Never throws. */
export function decodeJibriIq(e: El): Result<JibriIq, JibriCodecError> {
  if (e.name !== 'jibri' || e.attrs.xmlns !== NS_JIBRI) return err({ code: 'jibri/unexpected-element', text: 'expected <jibri> in the jibri namespace' });
  const action = oneOf(e, 'action', ACTIONS);
  if (!action.ok) return action;
  const mode = oneOf(e, 'recording_mode', MODES);
  if (!mode.ok) return mode;
  const status = oneOf(e, 'status', STATUSES);
  if (!status.ok) return status;
  const failure = oneOf(e, 'failure_reason', FAILURES);
  if (!failure.ok) return failure;
  const retry = e.attrs.should_retry;
  if (retry !== undefined && retry !== 'true' && retry !== 'false') return err({ code: 'jibri/bad-attribute', text: 'should_retry must be true or false' });
  const a = e.attrs;
  const link = nonEmpty(child(e, 'recording-link', NS_PLENUM_RECORDING)?.attrs.url);
  return ok({
    ...(action.value !== undefined ? { action: action.value } : {}),
    ...(mode.value !== undefined ? { recordingMode: mode.value } : {}),
    ...(nonEmpty(a.streamid) !== undefined ? { streamId: a.streamid as string } : {}),
    ...(nonEmpty(a.you_tube_broadcast_id) !== undefined ? { youTubeBroadcastId: a.you_tube_broadcast_id as string } : {}),
    ...(nonEmpty(a.app_data) !== undefined ? { appData: a.app_data as string } : {}),
    ...(nonEmpty(a.room) !== undefined ? { room: a.room as string } : {}),
    ...(nonEmpty(a.session_id) !== undefined ? { sessionId: a.session_id as string } : {}),
    ...(nonEmpty(a.displayname) !== undefined ? { displayName: a.displayname as string } : {}),
    ...(nonEmpty(a.sipaddress) !== undefined ? { sipAddress: a.sipaddress as string } : {}),
    ...(status.value !== undefined ? { status: status.value } : {}),
    ...(failure.value !== undefined ? { failureReason: failure.value } : {}),
    ...(retry !== undefined ? { shouldRetry: retry === 'true' } : {}),
    ...(link !== undefined ? { downloadUrl: link } : {}),
  });
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** Writes a `<jibri>` element with the attributes that are set. */
export function encodeJibriIq(j: JibriIq): El {
  return el('jibri', {
    xmlns: NS_JIBRI, action: j.action, recording_mode: j.recordingMode, streamid: j.streamId,
    you_tube_broadcast_id: j.youTubeBroadcastId, app_data: j.appData, room: j.room, session_id: j.sessionId,
    displayname: j.displayName, sipaddress: j.sipAddress, status: j.status, failure_reason: j.failureReason,
    should_retry: j.shouldRetry === undefined ? undefined : String(j.shouldRetry),
  }, ...(j.downloadUrl !== undefined ? [el('recording-link', { xmlns: NS_PLENUM_RECORDING, url: j.downloadUrl })] : []));
}

/** Reads the `<jibri-status>` of a brewery presence; undefined when the presence has none or it is malformed. */
export function decodeJibriStatus(presence: El): Result<JibriStatus | undefined, JibriCodecError> {
  const status = child(presence, 'jibri-status', NS_JIBRI);
  if (status === undefined) return ok(undefined);
  const busyEl = child(status, 'busy-status', NS_JIBRI) ?? child(status, 'busy-status');
  const healthEl = child(status, 'health-status', NS_HEALTH);
  const busy = busyEl?.attrs.status;
  if (busy !== 'idle' && busy !== 'busy') return err({ code: 'jibri/bad-attribute', text: 'busy-status must be idle or busy' });
  const health = healthEl?.attrs.status ?? 'healthy';
  if (health !== 'healthy' && health !== 'unhealthy') return err({ code: 'jibri/bad-attribute', text: 'health-status must be healthy or unhealthy' });
  return ok({ busy, health });
}

/** Writes `<jibri-status>` with its busy and health children (Jibri's presence extension). */
export function encodeJibriStatus(s: JibriStatus): El {
  return el('jibri-status', { xmlns: NS_JIBRI },
    el('busy-status', { xmlns: NS_JIBRI, status: s.busy }),
    el('health-status', { xmlns: NS_HEALTH, status: s.health }));
}

/** Reads `<jibri-recording-status>` from the focus's room presence. */
export function decodeRecordingStatus(presence: El): Result<RecordingStatusExtension | undefined, JibriCodecError> {
  const e = child(presence, 'jibri-recording-status', NS_JIBRI);
  if (e === undefined) return ok(undefined);
  const status = oneOf(e, 'status', STATUSES);
  if (!status.ok) return status;
  if (status.value === undefined) return err({ code: 'jibri/bad-attribute', text: 'jibri-recording-status without status' });
  const mode = oneOf(e, 'recording_mode', MODES);
  if (!mode.ok) return mode;
  const a = e.attrs;
  return ok({
    status: status.value,
    ...(mode.value !== undefined ? { recordingMode: mode.value } : {}),
    ...(nonEmpty(a.session_id) !== undefined ? { sessionId: a.session_id as string } : {}),
    ...(nonEmpty(a.initiator) !== undefined ? { initiator: a.initiator as string } : {}),
    ...(nonEmpty(a.failure_reason) !== undefined ? { failureReason: a.failure_reason as string } : {}),
  });
}

/** Writes `<jibri-recording-status>` for the focus's room presence. */
export function encodeRecordingStatus(s: RecordingStatusExtension): El {
  return el('jibri-recording-status', {
    xmlns: NS_JIBRI, status: s.status, recording_mode: s.recordingMode, session_id: s.sessionId, initiator: s.initiator, failure_reason: s.failureReason,
  });
}
