// Recording control (protocols.md §6, Jicofo's JibriRecorder): a moderator's `<jibri action=start|stop>`
// IQ to the focus occupant is checked, an idle recorder from the jibri brewery is picked and sent
// the start (room, session_id, recording_mode, app_data), and the room learns the state through
// `<jibri-recording-status>` in the focus's presence: pending → on (the recorder reports it) → off
// (stopped, or with failure_reason when the recorder fails or leaves the brewery). A recorder's final
// `off` may carry Plenum's download link (urn:plenum:recording:0): it goes to the moderator who
// started the recording only, as a private json-message `{type:"recording-link", url}` from the
// focus occupant — never to the room.
import type { Clock, Logger } from '@plenum/kit';
import type { El, JibriIq, RecordingMode, RecordingStatusExtension } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, decodeJibriIq, decodeStanzaError, el, encodeJibriIq, encodeRecordingStatus } from '@plenum/xmpp/codec';
import { PlenumError } from '@plenum/kit';
import { FocusError } from '../errors.ts';
import type { Ids, StanzaChannel } from '../ports.ts';
import type { Conference } from '../conference/conference.ts';
import type { RecorderPool } from './recorder-pool.ts';
import { RecordingError } from './recording-errors.ts';

/** One recording the focus runs. */
type RecordingSession = {
  readonly sessionId: string;
  readonly roomJid: string;
  readonly recorderNick: string;
  readonly recorderJid: string;
  readonly mode: RecordingMode;
  readonly initiator: string;
  /** The initiator's nick in the room (their occupant JID gets the download link). */
  readonly initiatorNick: string;
  readonly conf: Conference;
  status: 'pending' | 'on';
};

export type RecordingServiceDeps = {
  readonly channel: StanzaChannel;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  readonly pool: RecorderPool;
  /** The focus's real full JID and its nick in rooms. */
  readonly focusJid: string;
  readonly focusNick: string;
  readonly requestTimeoutMs: number;
};

const isModerator = (role: string, affiliation: string): boolean => role === 'moderator' || affiliation === 'owner' || affiliation === 'admin';

export class RecordingService {
  readonly #sessions = new Map<string, RecordingSession>();

  constructor(private readonly deps: RecordingServiceDeps) {
    deps.pool.events.on('recorderGone', (nick) => {
      for (const s of [...this.#sessions.values()]) {
        if (s.recorderNick === nick) this.#end(s, 'error', 'recorder left');
      }
    });
  }

  /** A participant's `<jibri>` IQ; resolves with the reply payload (status pending + session_id) or throws a FocusError. */
  async handleClientIq(conf: Conference, nick: string, payload: El): Promise<El | undefined> {
    const decoded = decodeJibriIq(payload);
    if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
    const req = decoded.value;
    const p = conf.participants.get(nick);
    if (p === undefined) throw FocusError.forbidden('recording is controlled by conference participants');
    if (!isModerator(p.role, p.affiliation)) throw FocusError.forbidden('only moderators may start or stop recording');
    if (req.action === 'start') return this.#start(conf, p.realJid, nick, req);
    if (req.action === 'stop') return this.#stop(conf, req);
    throw FocusError.badRequest('jibri IQ needs action start or stop');
  }

  /** A recorder's status report (`<jibri status=on|off>` from its brewery occupant JID). */
  handleRecorderIq(from: string, payload: El): El | undefined {
    const decoded = decodeJibriIq(payload);
    if (!decoded.ok) throw FocusError.badRequest(decoded.error.text);
    const r = decoded.value;
    const s = r.sessionId === undefined ? undefined : this.#sessions.get(r.sessionId);
    if (s === undefined || s.recorderJid !== from) throw FocusError.unknownSession('no such recording session');
    if (r.status === 'on' && s.status !== 'on') {
      s.status = 'on';
      this.#publish(s.roomJid, { status: 'on', recordingMode: s.mode, sessionId: s.sessionId, initiator: s.initiator });
    } else if (r.status === 'off') {
      if (r.failureReason !== undefined) this.deps.pool.failed(s.recorderNick, this.deps.clock.now());
      this.#end(s, r.failureReason);
      if (r.downloadUrl !== undefined && s.mode === 'file') this.#sendLink(s, r.downloadUrl);
    }
    return undefined;
  }

  async #start(conf: Conference, initiator: string, initiatorNick: string, req: JibriIq): Promise<El> {
    const mode = req.recordingMode ?? 'file';
    if (mode === 'stream' && req.streamId === undefined) throw FocusError.badRequest('stream mode needs a streamid');
    if (mode === 'file' && req.streamId !== undefined) throw FocusError.badRequest('file mode takes no streamid');
    if ([...this.#sessions.values()].some((s) => s.roomJid === conf.roomJid && s.mode === mode)) {
      throw FocusError.notAllowed(`a ${mode} recording is already running in this conference`);
    }
    const pick = this.deps.pool.select(this.deps.clock.now());
    if (pick === 'none') throw RecordingError.noRecorder();
    if (pick === 'all-busy') throw RecordingError.busy();
    const sessionId = this.deps.ids.next();
    const start = encodeJibriIq({
      action: 'start', recordingMode: mode, room: conf.roomJid, sessionId,
      ...(req.streamId !== undefined ? { streamId: req.streamId } : {}),
      ...(req.youTubeBroadcastId !== undefined ? { youTubeBroadcastId: req.youTubeBroadcastId } : {}),
      ...(req.appData !== undefined ? { appData: req.appData } : {}),
    });
    const s: RecordingSession = {
      sessionId, roomJid: conf.roomJid, recorderNick: pick.nick, recorderJid: pick.jid, mode, initiator, initiatorNick, conf, status: 'pending',
    };
    this.#sessions.set(sessionId, s);
    try {
      await this.deps.channel.request(el('iq', { type: 'set', from: this.deps.focusJid, to: pick.jid, id: this.deps.ids.next() }, start), { timeoutMs: this.deps.requestTimeoutMs });
    } catch (error) {
      this.#sessions.delete(sessionId);
      // The recorder refused the request itself (e.g. a streamid that is no RTMP URL or key): the
      // moderator's mistake, not the recorder's failure.
      const refusal = error instanceof PlenumError && error.code === 'remote-error' && typeof error.opts.cause === 'object'
        ? decodeStanzaError(error.opts.cause as El) : undefined;
      if (refusal?.condition === 'bad-request') throw FocusError.badRequest(refusal.text ?? 'the recorder refused the request');
      this.deps.pool.failed(pick.nick, this.deps.clock.now());
      this.deps.log.warn('recorder refused the start', { recorder: pick.nick, err: (error as Error).message });
      throw RecordingError.recorderFailed(error);
    }
    // The recorder may have reported `on` while we waited for its ack.
    if (this.#sessions.get(sessionId) === s && s.status === 'pending') {
      this.#publish(conf.roomJid, { status: 'pending', recordingMode: mode, sessionId, initiator });
    }
    this.deps.log.info('recording started', { conf: conf.roomJid, recorder: pick.nick, sessionId, mode });
    return encodeJibriIq({ status: 'pending', sessionId, recordingMode: mode });
  }

  async #stop(conf: Conference, req: JibriIq): Promise<El | undefined> {
    const s = [...this.#sessions.values()].find((x) => x.roomJid === conf.roomJid
      && (req.sessionId === undefined || x.sessionId === req.sessionId) && (req.recordingMode === undefined || x.mode === req.recordingMode));
    if (s === undefined) throw FocusError.unknownSession('no recording is running in this conference');
    try {
      await this.deps.channel.request(el('iq', { type: 'set', from: this.deps.focusJid, to: s.recorderJid, id: this.deps.ids.next() },
        encodeJibriIq({ action: 'stop', sessionId: s.sessionId })), { timeoutMs: this.deps.requestTimeoutMs });
    } catch (error) {
      // The recorder cannot be reached: the recording is over for the room either way.
      this.deps.log.warn('recorder did not acknowledge the stop', { recorder: s.recorderNick, err: (error as Error).message });
      this.#end(s, 'error', 'recorder did not answer the stop');
    }
    return undefined;
  }

  #end(s: RecordingSession, failureReason?: string, why?: string): void {
    if (this.#sessions.get(s.sessionId) !== s) return;
    this.#sessions.delete(s.sessionId);
    this.#publish(s.roomJid, {
      status: 'off', recordingMode: s.mode, sessionId: s.sessionId, initiator: s.initiator,
      ...(failureReason !== undefined ? { failureReason } : {}),
    });
    this.deps.log.info('recording ended', { conf: s.roomJid, recorder: s.recorderNick, sessionId: s.sessionId, failureReason, why });
  }

  /** The link goes to the initiator's occupant only, and only while the same person holds that nick. */
  #sendLink(s: RecordingSession, url: string): void {
    const p = s.conf.participants.get(s.initiatorNick);
    if (p === undefined || p.realJid !== s.initiator) {
      this.deps.log.info('recording link not sent: the initiator left', { conf: s.roomJid, sessionId: s.sessionId });
      return;
    }
    this.deps.channel.send(el('message', { type: 'chat', from: this.deps.focusJid, to: `${s.roomJid}/${s.initiatorNick}`, id: this.deps.ids.next() },
      el('json-message', { xmlns: NS_JITSI_MEET }, JSON.stringify({ type: 'recording-link', url, sessionId: s.sessionId }))));
    this.deps.log.info('recording link sent to the initiator', { conf: s.roomJid, sessionId: s.sessionId });
  }

  #publish(roomJid: string, status: RecordingStatusExtension): void {
    this.deps.channel.send(el('presence', { from: this.deps.focusJid, to: `${roomJid}/${this.deps.focusNick}` }, encodeRecordingStatus(status)));
  }
}
