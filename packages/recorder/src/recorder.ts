// The recorder component (Jibri's role, protocols.md §6): sits in the jibri brewery announcing
// idle/busy, takes `<jibri action=start|stop>` from the focus's brewery occupant only, runs one
// recording at a time (recording-session.ts) and reports `status=on|off` back to the focus. After
// a file recording: its download link goes with the final `off` (Plenum's recording-link extension),
// busy → idle, then the finalize hook runs with the manifest path. A `stream` start goes live to
// the RTMP URL or YouTube key in `streamid` (never logged).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Clock, Logger } from '@plenum/kit';
import { PlenumError, TypedEmitter } from '@plenum/kit';
import type { El, JibriIq } from '@plenum/xmpp/codec';
import { NS_JIBRI, NS_MUC, child, decodeJibriIq, el, encodeJibriIq, encodeJibriStatus, errorReply, iqResult } from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import type { RecorderConfig } from './config.ts';
import { RecorderError } from './errors.ts';
import type { StreamTarget } from './media/stream-target.ts';
import { resolveStreamTarget } from './media/stream-target.ts';
import type { MediaLegOptions } from './session/media-leg.ts';
import { RecordingSession } from './session/recording-session.ts';

export type RecorderChannel = { send(stanza: El): void; request(iq: El, opts: RequestOptions): Promise<El> };

export type RecorderEvents = {
  /** A recording finished and its manifest was written (before the finalize hook). */
  recorded: [manifestPath: string, sessionId: string, downloadUrl: string | undefined];
};

/** Makes a finished recording downloadable; resolves with its link. */
export type RecordingLinks = { publish(dir: string): Promise<string> };

export type RecorderDeps = {
  readonly log: Logger;
  readonly clock: Clock;
  readonly channel: RecorderChannel;
  readonly config: RecorderConfig;
  readonly media: MediaLegOptions;
  /** Download links for finished recordings; none when the download server is off. */
  readonly links?: RecordingLinks;
};

const REPORT_TIMEOUT_MS = 10_000;

export class Recorder {
  readonly events: TypedEmitter<RecorderEvents>;
  #session: RecordingSession | undefined;
  #finishing: RecordingSession | undefined;
  /** Where the focus sent the start from: status reports go back there. */
  #focus: string | undefined;
  #isClosed = false;
  /** Finalize commands still running. */
  readonly #finalizing = new Set<Promise<void>>();

  constructor(private readonly deps: RecorderDeps) {
    this.events = new TypedEmitter<RecorderEvents>(deps.log);
  }

  get jid(): string {
    return `${this.deps.config.component.domain}/${this.deps.config.nick}`;
  }

  get isBusy(): boolean {
    return this.#session !== undefined;
  }

  /** The connection is up: enter the brewery with the current status. */
  online(): void {
    if (!this.#isClosed) this.#announce(el('x', { xmlns: NS_MUC }));
  }

  handleStanza(s: El): void {
    if (this.#isClosed) return;
    if (this.#session?.handleStanza(s) === true) return;
    if (s.name !== 'iq' || (s.attrs.type !== 'set' && s.attrs.type !== 'get')) return;
    const jibri = child(s, 'jibri', NS_JIBRI);
    if (s.attrs.type !== 'set' || jibri === undefined) {
      this.deps.channel.send(errorReply(s, { type: 'cancel', condition: 'service-unavailable' }));
      return;
    }
    try {
      this.deps.channel.send(iqResult(s, this.#control(s.attrs.from ?? '', jibri)));
    } catch (error) {
      if (error instanceof PlenumError && error.opts.stanza !== undefined) this.deps.channel.send(errorReply(s, error.opts.stanza));
      else {
        this.deps.log.error('jibri request failed', { err: error });
        this.deps.channel.send(errorReply(s, { type: 'cancel', condition: 'internal-server-error' }));
      }
    }
  }

  /** Stops a running recording (its files are finished) and leaves the brewery; idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const session = this.#session;
    if (session !== undefined) {
      const manifest = await session.stop('recorder shutting down').catch(() => undefined);
      this.#report(session.params.sessionId, { status: 'off', failureReason: 'error', shouldRetry: true });
      // What was recorded up to the shutdown is a recording too: it gets its finalize hook.
      if (manifest !== undefined) {
        this.events.emit('recorded', manifest, session.params.sessionId, undefined);
        void this.#finalize(manifest);
      }
    }
    this.deps.channel.send(el('presence', { from: this.jid, to: `${this.deps.config.breweryJid}/${this.deps.config.nick}`, type: 'unavailable' }));
    // Finalize hooks still running (an upload, say) would die with the process: wait for them.
    if (this.#finalizing.size > 0) this.deps.log.info('waiting for finalize commands', { running: this.#finalizing.size });
    await Promise.all(this.#finalizing);
  }

  #control(from: string, jibri: El): El | undefined {
    const { config } = this.deps;
    if (from !== `${config.breweryJid}/${config.focusNick}`) throw RecorderError.forbidden();
    const decoded = decodeJibriIq(jibri);
    if (!decoded.ok) throw RecorderError.badRequest(decoded.error.text);
    const req = decoded.value;
    if (req.action === 'start') return this.#start(from, req);
    if (req.action === 'stop') {
      const session = this.#session;
      if (session === undefined || session.params.sessionId !== req.sessionId) throw RecorderError.unknownSession();
      void this.#finish(session, undefined);
      return undefined;
    }
    throw RecorderError.badRequest('action must be start or stop');
  }

  #start(from: string, req: JibriIq): El {
    if (this.#session !== undefined) throw RecorderError.busy();
    if (req.room === undefined || req.sessionId === undefined) throw RecorderError.badRequest('start needs room and session_id');
    const { config, log, clock } = this.deps;
    let stream: StreamTarget | undefined;
    if (req.recordingMode === 'stream') {
      if (req.streamId === undefined) throw RecorderError.badRequest('stream mode needs a streamid');
      const target = resolveStreamTarget(req.streamId, config.stream.defaultBaseUrl);
      if (!target.ok) throw RecorderError.badRequest(target.error);
      stream = target.value;
    }
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    const roomNode = (req.room.split('@')[0] ?? 'room').replace(/[^a-zA-Z0-9_-]/g, '_');
    const nick = randomBytes(4).toString('hex');
    const hasFont = existsSync(config.composed.fontFile);
    if (config.composed.enabled && !hasFont) log.warn('composed.fontFile is missing: no names on the tiles', { fontFile: config.composed.fontFile });
    const session = new RecordingSession({
      log: log.child({ session: req.sessionId }), channel: this.deps.channel, now: () => clock.now(),
      ffmpegPath: config.ffmpeg.path, ffmpegStopTimeoutMs: config.ffmpeg.stopTimeoutMs,
      composed: config.composed.enabled ? {
        width: config.composed.width, height: config.composed.height, frameRate: config.composed.frameRate,
        fontFile: hasFont ? config.composed.fontFile : undefined,
      } : undefined,
      trackMaxHeight: config.tracks.maxHeight,
      jingleTimeoutMs: config.jingleTimeoutMs, media: this.deps.media, focusNick: config.focusNick,
      stream: {
        videoBitrateKbps: config.stream.videoBitrateKbps, reconnectMinDelayMs: config.stream.reconnectMinDelayMs,
        reconnectMaxDelayMs: config.stream.reconnectMaxDelayMs, giveUpAfterMs: config.stream.giveUpAfterMs,
      },
    }, {
      sessionId: req.sessionId, roomJid: req.room, nick, jid: `${config.component.domain}/${nick}`,
      // A live stream keeps nothing: its scratch directory (ffmpeg's SDP) is private and removed at the end.
      dir: stream === undefined
        ? join(config.output.directory, `${roomNode}-${stamp}-${req.sessionId.slice(0, 8)}`)
        : join(tmpdir(), `plenum-stream-${req.sessionId.slice(0, 8)}-${randomBytes(4).toString('hex')}`),
      ...(stream !== undefined ? { stream } : {}),
    });
    this.#session = session;
    this.#focus = from;
    this.#announce();
    session.events.on('recording', () => this.#report(req.sessionId as string, { status: 'on' }));
    session.events.on('ended', (reason, failure) => void this.#finish(session, failure ? reason : undefined));
    session.start().catch((error: unknown) => {
      log.warn('recording could not start', { err: (error as Error).message });
      void this.#finish(session, (error as Error).message);
    });
    log.info('recording requested', { room: req.room, sessionId: req.sessionId, mode: stream === undefined ? 'file' : 'stream' });
    return encodeJibriIq({ status: 'pending', sessionId: req.sessionId });
  }

  async #finish(session: RecordingSession, failure: string | undefined): Promise<void> {
    // A stop and the session ending on its own may race: the first one finishes it.
    if (this.#session !== session || this.#finishing === session) return;
    this.#finishing = session;
    let manifest: string | undefined;
    try {
      manifest = await session.stop(failure);
    } catch (error) {
      this.deps.log.error('recording could not be finished', { err: error });
    }
    let link: string | undefined;
    if (manifest !== undefined && this.deps.links !== undefined) {
      link = await this.deps.links.publish(dirname(manifest)).catch((error: unknown) => {
        this.deps.log.warn('no download link for the recording', { err: (error as Error).message });
        return undefined;
      });
    }
    const linked = link !== undefined ? { downloadUrl: link } : {};
    this.#report(session.params.sessionId, failure === undefined ? { status: 'off', ...linked } : { status: 'off', failureReason: 'error', shouldRetry: false, ...linked });
    this.#session = undefined;
    this.#finishing = undefined;
    this.#announce();
    if (manifest === undefined) return;
    this.events.emit('recorded', manifest, session.params.sessionId, link);
    void this.#finalize(manifest);
  }

  /** Jibri's status IQ to the focus (protocols.md §6). */
  #report(sessionId: string, status: Pick<JibriIq, 'status' | 'failureReason' | 'shouldRetry' | 'downloadUrl'>): void {
    const to = this.#focus;
    if (to === undefined) return;
    this.deps.channel.request(el('iq', { type: 'set', from: this.jid, to }, encodeJibriIq({ ...status, sessionId })), { timeoutMs: REPORT_TIMEOUT_MS })
      .catch((error: unknown) => this.deps.log.warn('focus did not take the status', { status: status.status, err: (error as Error).message }));
  }

  #announce(...extra: El[]): void {
    this.deps.channel.send(el('presence', { from: this.jid, to: `${this.deps.config.breweryJid}/${this.deps.config.nick}` },
      ...extra, encodeJibriStatus({ busy: this.#session === undefined ? 'idle' : 'busy', health: 'healthy' })));
  }

  #finalize(manifestPath: string): Promise<void> {
    const command = this.deps.config.output.finalizeCommand;
    if (command === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      execFile(command, [manifestPath], { timeout: 10 * 60_000 }, (error) => {
        if (error !== null) this.deps.log.warn('finalize command failed', { command, err: error.message });
        else this.deps.log.info('finalize command done', { command });
        resolve();
      });
    });
    this.#finalizing.add(done);
    void done.then(() => this.#finalizing.delete(done));
    return done;
  }
}
