// One recording (protocols.md §6 file mode): the recorder joins the room as a service occupant
// (the jibri feature in its presence; the focus trusts its domain and never makes it moderator),
// takes the focus's session-initiate with a receive-only werift leg (media-leg.ts), and writes every
// source it is told about: one copy per source (webm-track-writer.ts) plus the composed view, which
// follows the meeting (composed-recording.ts: a new layout segment whenever someone joins, leaves,
// turns their camera off or on, shares their screen or changes their name; room-occupants.ts reads
// names and SourceInfo from presence). Ends on stop, when the room empties, or on a failure;
// the manifest is written in every case so what was recorded stays usable.
// Stream mode (a `stream` target) writes no files: the composed view, following the meeting as the
// composed file does, goes live to an RTMP server over one connection (stream-pusher.ts); its scratch
// directory is removed at the end, and there is no manifest.
// The bridge channel (bridge-channel.ts) tells the bridge the picture the recording needs: without
// it the bridge sends every video at its default 180p.
// End-to-end encrypted meetings: the recorder holds the keys (recorder-keys.ts) and decrypts the
// media before anything reads it (e2ee-rtp-decryptor.ts); what does not decrypt is never written.
import { mkdir, rm } from 'node:fs/promises';
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El, Jingle } from '@plenum/xmpp/codec';
import {
  FEATURE_BATCHED_DELIVERY, NS_DISCO_INFO, NS_JINGLE, NS_JITSI_MEET, NS_MUC, NS_MUC_USER, child, children, decodeJingle, el, encodeDiscoInfo, encodeJingle, errorReply, iqResult,
} from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import type { ManifestE2ee, ManifestTrack, Manifest } from '../manifest.ts';
import { writeManifest } from '../manifest.ts';
import type { ComposedScene, ComposedTile } from '../media/composed-layout.ts';
import { safeLabel } from '../media/composed-layout.ts';
import { ComposedRecording } from '../media/composed-recording.ts';
import { ComposerFeed } from '../media/composer-feed.ts';
import { E2eeRtpDecryptor } from '../media/e2ee-rtp-decryptor.ts';
import type { ComposerOptions } from '../media/composer.ts';
import type { RecordedSource } from '../media/recorded-source.ts';
import { StreamPusher } from '../media/stream-pusher.ts';
import type { StreamTarget } from '../media/stream-target.ts';
import { CLUSTER_MS, WebmTrackWriter } from '../media/webm-track-writer.ts';
import { isVp8KeyFrameStart } from '../media/vp8-keyframe.ts';
import { RecorderError } from '../errors.ts';
import { BridgeChannelClient, recorderVideoConstraints } from './bridge-channel.ts';
import type { MediaLegOptions } from './media-leg.ts';
import { MediaLeg } from './media-leg.ts';
import { RecorderKeys } from './recorder-keys.ts';
import { RoomOccupants } from './room-occupants.ts';
import { SourceBook } from './source-book.ts';

/** What a session needs from the recorder. */
export type SessionDeps = {
  readonly log: Logger;
  readonly channel: { send(stanza: El): void; request(iq: El, opts: RequestOptions): Promise<El> };
  readonly now: () => number;
  readonly ffmpegPath: string;
  readonly ffmpegStopTimeoutMs: number;
  /** undefined: no composed file. */
  readonly composed: ComposerOptions | undefined;
  /** Tallest picture the per-source files keep (what the recorder asks the bridge for, file mode). */
  readonly trackMaxHeight: number;
  readonly jingleTimeoutMs: number;
  readonly media: MediaLegOptions;
  readonly focusNick: string;
  /** Live streaming limits (stream mode). */
  readonly stream: {
    readonly videoBitrateKbps: number;
    readonly reconnectMinDelayMs: number;
    readonly reconnectMaxDelayMs: number;
    readonly giveUpAfterMs: number;
  };
};

export type SessionParams = {
  readonly sessionId: string;
  readonly roomJid: string;
  /** The recorder's full JID for this session (its real JID in the room). */
  readonly jid: string;
  /** Its nickname in the room (= its endpoint id on the bridge). */
  readonly nick: string;
  readonly dir: string;
  /** Stream mode: where the composed view goes live (no files are kept). */
  readonly stream?: StreamTarget;
};

export type SessionEvents = {
  /** Media flows and the files are being written. */
  recording: [];
  /** The session is over on its own (room empty, failure); stop() was not called. */
  ended: [reason: string, failure: boolean];
};

/** Disco#info features: what the focus offers depends on them (protocols.md §2.1). No SCTP, no RTX, XEP-0339 sources. */
const FEATURES = [
  'urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1', 'urn:xmpp:jingle:apps:rtp:audio', 'urn:xmpp:jingle:apps:rtp:video',
  'urn:xmpp:jingle:apps:dtls:0', 'urn:xmpp:jingle:transports:ice-udp:1', 'http://jitsi.org/source-name',
  'http://jitsi.org/receive-multiple-video-streams', 'http://jitsi.org/protocol/jibri', FEATURE_BATCHED_DELIVERY,
];

const KEY_FRAME_WAIT_MS = 3_000;
/** Key frame requests after the first for a new video (its file and its tile start at one). */
const KEY_FRAME_RETRIES = 3;
/** Just over the bridge's limit of one key frame request per second per source. */
const KEY_FRAME_RETRY_MS = 1_100;
/** A video whose frames E2EE dropped asks for a key frame at most this often (the bridge allows one a second). */
const DROPPED_KEY_FRAME_ASK_MS = 1_000;
/** The live stream's picture when the recorder has no composed settings. */
const STREAM_COMPOSED: ComposerOptions = { width: 640, height: 360, frameRate: 15 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RecordingSession {
  readonly events: TypedEmitter<SessionEvents>;
  /** To the composer (file or stream), with quiet sources' gaps filled so the composed view never stalls. */
  readonly #feed: ComposerFeed;
  /** The file being written per SSRC. */
  readonly #writers = new Map<number, WebmTrackWriter>();
  /** Writes out a quiet source's last frames (a muted camera's last second). */
  #flushTimer: NodeJS.Timeout | undefined;
  /** Video SSRCs a key frame was seen from (the composer waits for them). */
  readonly #keyFramed = new Set<number>();
  readonly #occupants = new Set<string>();
  /** Names and source states from presence (the composed view's labels, mute, screen share). */
  readonly #room = new RoomOccupants();
  readonly #left = new Set<string>();
  #book: SourceBook | undefined;
  #leg: MediaLeg | undefined;
  #bridgeChannel: BridgeChannelClient | undefined;
  #composed: ComposedRecording | undefined;
  #pusher: StreamPusher | undefined;
  #startedMs = 0;
  #phase: 'joining' | 'recording' | 'stopping' | 'ended' = 'joining';
  #hadOccupants = false;
  #offered: ((j: Jingle) => void) | undefined;
  #stopping: Promise<string | undefined> | undefined;
  #isIn = false;
  /** End-to-end encryption: the keys, and the stage that decrypts between the leg and #onRtp. */
  readonly #keys: RecorderKeys;
  readonly #decryptor: E2eeRtpDecryptor;
  readonly #droppedAskedMs = new Map<number, number>();

  constructor(private readonly deps: SessionDeps, readonly params: SessionParams) {
    this.events = new TypedEmitter<SessionEvents>(deps.log);
    // Per-source files only: no composer, so no feed (its socket and gap-filling timer stay closed).
    this.#feed = new ComposerFeed(() => deps.now(), deps.composed !== undefined || params.stream !== undefined, (ssrc) => this.#askAfterDrop(ssrc));
    this.#keys = new RecorderKeys({
      log: deps.log.child({ part: 'e2ee' }), nick: params.nick,
      sendJson: (to, json) => deps.channel.send(el('message', { from: params.jid, to: `${params.roomJid}/${to}`, type: 'chat' }, el('json-message', { xmlns: NS_JITSI_MEET }, json))),
      // Its frames decrypt from its next key frame on: ask for one now rather than at its next loss.
      keyArrived: (participant) => this.#askKeyFrames((this.#book?.all() ?? []).filter((s) => s.owner === participant)),
    });
    this.#decryptor = new E2eeRtpDecryptor({
      log: deps.log, keys: this.#keys.frames, sourceOf: (ssrc) => this.#book?.get(ssrc), isOn: () => this.#keys.isOn,
      deliver: (ssrc, packet, payload) => this.#onRtp(ssrc, packet, payload),
      videoDropped: (ssrc) => this.#askAfterDrop(ssrc),
    });
  }

  get occupantJid(): string {
    return `${this.params.roomJid}/${this.params.nick}`;
  }

  get focusOccupant(): string {
    return `${this.params.roomJid}/${this.deps.focusNick}`;
  }

  /** Joins the room, answers the focus's offer, starts the writers. Rejects (and cleans up) on failure. */
  async start(): Promise<void> {
    const { deps, params } = this;
    await mkdir(params.dir, { recursive: true });
    const offered = new Promise<Jingle>((resolve, reject) => {
      const timer = setTimeout(() => reject(RecorderError.timeout('waiting for the focus\'s offer')), deps.jingleTimeoutMs);
      this.#offered = (j) => {
        clearTimeout(timer);
        resolve(j);
      };
    });
    // The identity key goes in the join presence: everyone in the room pairs with it and sends their key.
    await this.#keys.start();
    deps.channel.send(el('presence', { from: params.jid, to: this.occupantJid },
      el('x', { xmlns: NS_MUC }),
      // Batched delivery: files need no packet the moment it arrives, and a burst per 20 ms costs far less than a wake-up per packet.
      el('features', {}, el('feature', { var: 'http://jitsi.org/protocol/jibri' }), el('feature', { var: FEATURE_BATCHED_DELIVERY })),
      ...this.#keys.presenceElements()));
    const offer = await offered;
    await this.#answer(offer);
    if (this.#phase !== 'joining') return;
    await this.#leg?.connected(deps.jingleTimeoutMs);
    const book = this.#book as SourceBook;
    this.#startedMs = deps.now();
    const initial = book.all();
    if (params.stream !== undefined) {
      await this.#startStream(initial, params.stream);
      return;
    }
    // Every source gets its file at its first frame (a video's at its first key frame).
    for (const s of initial) this.#startTrack(s);
    this.#flushTimer = setInterval(() => {
      const nowMs = this.deps.now();
      for (const w of this.#writers.values()) w.flushIfIdle(nowMs);
    }, CLUSTER_MS);
    this.#askKeyFrames(initial);
    if (deps.composed !== undefined && initial.length > 0) await this.#keyFramedSources(initial);
    if (this.#phase !== 'joining') return;
    if (deps.composed !== undefined && initial.length > 0) {
      this.#composed = new ComposedRecording({
        dir: params.dir, ffmpegPath: deps.ffmpegPath, options: deps.composed, log: deps.log, feed: this.#feed,
        scene: () => this.#scene(), askKeyFrames: (videos) => this.#askKeyFrames(videos),
      });
      // The composed timeline starts here (show() resolves once its ffmpeg receives), right before "on".
      await this.#composed.show();
      if (this.#phase !== 'joining') return;
    }
    this.#phase = 'recording';
    // The composer's sockets open a moment after it starts: ask again so its videos start at a key frame.
    this.#askKeyFrames(initial);
    deps.log.info('recording', { sources: initial.length, composed: this.#composed !== undefined });
    this.events.emit('recording');
  }

  /** Stream mode: compose what is there and push it; "recording" once media reaches the RTMP server. */
  async #startStream(initial: readonly RecordedSource[], target: StreamTarget): Promise<void> {
    const { deps, params } = this;
    if (initial.length === 0) throw RecorderError.mediaFailed('nobody sends media: nothing to stream');
    this.#askKeyFrames(initial);
    // The first layout shows the videos that have sent a key frame by then; later ones join at a switch.
    await this.#keyFramedSources(initial);
    // Stopped while waiting: start no ffmpeg the finished session would not end.
    if (this.#phase !== 'joining') return;
    // The stream follows the meeting like the composed file (#scene), over one RTMP connection.
    const pusher = new StreamPusher({
      target, composed: deps.composed ?? STREAM_COMPOSED, ...deps.stream, dir: params.dir, ffmpegPath: deps.ffmpegPath, log: deps.log,
      feed: this.#feed, scene: () => this.#scene(), askKeyFrames: (videos) => this.#askKeyFrames(videos),
    });
    this.#pusher = pusher;
    pusher.events.on('failed', (reason) => void this.#fail(reason));
    const settled = new Promise<void>((resolve) => {
      pusher.events.once('live', resolve);
      pusher.events.once('failed', () => resolve());
      pusher.events.once('finishing', resolve);
    });
    await pusher.start();
    await settled;
    if (this.#phase !== 'joining' || !pusher.isLive) return;
    this.#phase = 'recording';
    deps.log.info('streaming', { sources: initial.length, target: target.redacted });
    this.events.emit('recording');
  }

  /**
   * What the composed view shows now: a tile per participant still in the room who sends something
   * (their camera once it has sent a key frame and is not muted; else their name on a dark tile), the
   * latest screen share large, and every audio of those participants.
   */
  #scene(): ComposedScene {
    // Someone who left is gone from the view at once, even before the focus's source-remove.
    const present = (this.#book?.all() ?? []).filter((s) => !this.#left.has(s.owner));
    const isDesktop = (s: RecordedSource): boolean => s.videoType === 'desktop' || this.#room.sourceState(s.owner, s.name)?.videoType === 'desktop';
    // A video is shown once the feed holds a whole key frame of it: the new composer starts its tile from that.
    const shows = (s: RecordedSource): boolean => s.media === 'video' && this.#feed.hasKeyFrame(s.ssrc) && this.#room.sourceState(s.owner, s.name)?.isMuted !== true;
    const label = (owner: string): string => safeLabel(this.#room.nameOf(owner), owner);
    const owners = [...new Set(present.map((s) => s.owner))];
    const tiles = owners.map((owner): ComposedTile => ({ owner, label: label(owner), video: present.find((s) => s.owner === owner && !isDesktop(s) && shows(s)) }));
    const share = present.filter((s) => isDesktop(s) && shows(s)).at(-1);
    return {
      tiles, share: share === undefined ? undefined : { label: label(share.owner), video: share }, audios: present.filter((s) => s.media === 'audio'),
    };
  }

  /** What follows the meeting's scene: the composed file's segments, or the live stream's layouts. */
  get #layout(): { relayout(): void; isComposed(ssrc: number): boolean } | undefined {
    return this.#composed ?? this.#pusher;
  }

  /** Waits (up to KEY_FRAME_WAIT_MS) for the videos' key frames: ffmpeg learns a video's size from one. */
  async #keyFramedSources(sources: readonly RecordedSource[]): Promise<RecordedSource[]> {
    const videos = sources.filter((s) => s.media === 'video');
    const deadline = this.deps.now() + KEY_FRAME_WAIT_MS;
    while (videos.some((s) => !this.#keyFramed.has(s.ssrc)) && this.deps.now() < deadline && this.#phase === 'joining') await sleep(50);
    const ready = sources.filter((s) => s.media === 'audio' || this.#keyFramed.has(s.ssrc));
    if (ready.length < sources.length) this.deps.log.warn('videos without a key frame left out of the composed view', { left: sources.length - ready.length });
    return ready;
  }

  /** A stanza for this session (room presence, IQs from the room); false when it is not one. */
  handleStanza(s: El): boolean {
    const from = s.attrs.from ?? '';
    if (!from.startsWith(`${this.params.roomJid}/`)) return false;
    if (s.name === 'presence') {
      this.#onPresence(s, from.slice(this.params.roomJid.length + 1));
      return true;
    }
    if (s.name === 'message') return this.#keys.onMessage(from.slice(this.params.roomJid.length + 1), s);
    if (s.name !== 'iq' || (s.attrs.type !== 'get' && s.attrs.type !== 'set')) return false;
    if (s.attrs.type === 'get' && child(s, 'query', NS_DISCO_INFO) !== undefined) {
      this.deps.channel.send(iqResult(s, encodeDiscoInfo({ identities: [{ category: 'client', type: 'recorder', name: 'Plenum recorder' }], features: FEATURES })));
      return true;
    }
    const jingleEl = child(s, 'jingle', NS_JINGLE);
    if (jingleEl === undefined || from !== this.focusOccupant) {
      this.deps.channel.send(errorReply(s, { type: 'cancel', condition: 'service-unavailable' }));
      return true;
    }
    const jingle = decodeJingle(jingleEl);
    if (!jingle.ok) {
      this.deps.channel.send(errorReply(s, { type: 'modify', condition: 'bad-request', text: jingle.error.text }));
      return true;
    }
    this.deps.channel.send(iqResult(s));
    this.#onJingle(jingle.value);
    return true;
  }

  /** Ends the recording: ffmpeg finishes every file, the manifest is written; resolves with its path. Idempotent. */
  stop(failure?: string): Promise<string | undefined> {
    this.#stopping ??= this.#finish(failure);
    return this.#stopping;
  }

  async #answer(offer: Jingle): Promise<void> {
    const { leg, accept } = await MediaLeg.answer(offer, this.params.nick, this.deps.media);
    const previous = this.#leg;
    this.#leg = leg;
    await previous?.close();
    this.#book ??= new SourceBook(offer);
    this.#book.add(offer);
    leg.onRtp((ssrc, packet, payload) => this.#decryptor.push(ssrc, packet, payload));
    const reply = await this.deps.channel.request(el('iq', { type: 'set', from: this.params.jid, to: this.focusOccupant }, encodeJingle({
      action: 'session-accept', sid: offer.sid, responder: this.params.jid, contents: accept.contents, groups: accept.groups,
    })), { timeoutMs: this.deps.jingleTimeoutMs });
    if (reply.attrs.type !== 'result') throw RecorderError.mediaFailed('the focus refused the session-accept');
    // Accepted: the bridge has our endpoint now, and a channel to it (a new bridge after a move).
    this.#bridgeChannel?.close();
    this.#bridgeChannel = undefined;
    if (this.#phase === 'stopping' || this.#phase === 'ended') return;
    const url = offer.contents.map((c) => c.transport?.webSocketUrl).find((u) => u !== undefined);
    if (url === undefined) {
      this.deps.log.warn('the offer has no bridge channel: the bridge sends its default 180p');
      return;
    }
    this.#bridgeChannel = BridgeChannelClient.open({
      url, constraints: recorderVideoConstraints(this.#wantedHeight()), log: this.deps.log.child({ part: 'bridge-channel' }),
    });
  }

  /**
   * The height asked of every video: the per-source files keep up to trackMaxHeight; a live stream
   * needs only its composed height (the composer scales down what is taller itself).
   */
  #wantedHeight(): number {
    const { deps } = this;
    if (this.params.stream !== undefined) return (deps.composed ?? STREAM_COMPOSED).height;
    return Math.max(deps.trackMaxHeight, deps.composed?.height ?? 0);
  }

  #onJingle(j: Jingle): void {
    switch (j.action) {
      case 'session-initiate':
        if (this.#offered !== undefined) {
          const offered = this.#offered;
          this.#offered = undefined;
          offered(j);
        } else if (this.#phase === 'recording') {
          // The focus moved the recorder to a fresh session (bridge change): same sources, new leg.
          this.#answer(j).then(() => this.#askKeyFrames(this.#book?.all() ?? []))
            .catch((error: unknown) => void this.#fail(`re-invite failed: ${(error as Error).message}`));
        }
        return;
      case 'source-add': {
        const added = this.#book?.add(j) ?? [];
        if (this.#phase !== 'recording') return;
        for (const s of added) this.#startTrack(s);
        this.#askKeyFrames(added);
        // A joiner's audio goes into the mix now; their video once its first key frame arrived (#onRtp).
        this.#layout?.relayout();
        return;
      }
      case 'source-remove':
        // The track's file simply ends; its writer finishes with the others.
        this.#book?.remove(j);
        this.#layout?.relayout();
        return;
      case 'session-terminate':
        if (j.reason?.text !== 'moving' && this.#phase === 'recording') void this.#fail('the focus ended the media session');
        return;
      default:
        return;
    }
  }

  #onPresence(p: El, nick: string): void {
    if (nick === this.params.nick) {
      if (p.attrs.type === 'error') void this.#fail('the room refused the recorder');
      else if (p.attrs.type === undefined && !this.#isIn) {
        // The room sends everyone's presence before ours: those seen so far were in before us.
        this.#isIn = true;
        this.#keys.joined();
      }
      return;
    }
    if (nick === this.deps.focusNick) {
      if (p.attrs.type === 'unavailable') void this.#fail('the focus left the room');
      return;
    }
    this.#keys.onPresence(nick, p);
    const isService = children(child(p, 'features') ?? el('x'), 'feature').some((f) => f.attrs.var === 'http://jitsi.org/protocol/jibri');
    if (p.attrs.type === 'unavailable') {
      this.#occupants.delete(nick);
      this.#left.add(nick);
      this.#room.remove(nick);
      this.#layout?.relayout();
    } else if (p.attrs.type === undefined && !isService && child(p, 'x', NS_MUC_USER) !== undefined) {
      this.#occupants.add(nick);
      this.#hadOccupants = true;
      const wasGone = this.#left.delete(nick);
      if (this.#room.update(nick, p) || wasGone) this.#layout?.relayout();
    }
    if (this.#hadOccupants && this.#occupants.size === 0 && this.#phase === 'recording') {
      this.deps.log.info('room empty: recording ends');
      void this.#end('everyone left', false);
    }
  }

  #onRtp(ssrc: number, packet: Buffer, payload: Buffer): void {
    const nowMs = this.deps.now();
    const source = this.#book?.get(ssrc);
    if (source !== undefined && source.media === 'video' && isVp8KeyFrameStart(payload)) {
      if (!this.#keyFramed.has(ssrc)) {
        this.#keyFramed.add(ssrc);
        // From now on the feed holds its latest key frame: a composer it joins starts its tile at once.
        this.#feed.watch(source);
      }
      // A video not composed yet (joined mid-recording, camera back on) can be now: ffmpeg learns its size from this frame.
      const layout = this.#layout;
      if (this.#phase === 'recording' && layout?.isComposed(ssrc) === false) layout.relayout();
    }
    this.#writers.get(ssrc)?.push(packet, payload, nowMs);
    this.#feed.push(ssrc, packet, payload, nowMs);
  }

  #startTrack(s: RecordedSource): void {
    if (this.params.stream !== undefined || this.#writers.has(s.ssrc)) return;
    // A video that lost frames waits for a key frame: ask its sender (rate-limited, as after an E2EE drop).
    this.#writers.set(s.ssrc, new WebmTrackWriter(s, this.params.dir, { log: this.deps.log, wantKeyFrame: (ssrc) => this.#askAfterDrop(ssrc) }));
  }

  /** A video's frame was dropped (E2EE, or lost on the way): it decodes again only from a key frame. */
  #askAfterDrop(ssrc: number): void {
    const nowMs = this.deps.now();
    if (nowMs - (this.#droppedAskedMs.get(ssrc) ?? -Infinity) < DROPPED_KEY_FRAME_ASK_MS) return;
    if (this.#phase === 'stopping' || this.#phase === 'ended') return;
    this.#droppedAskedMs.set(ssrc, nowMs);
    this.#leg?.requestKeyFrame(ssrc);
  }

  /** What the manifest and the last log line say of end-to-end encryption. */
  #e2eeSummary(): ManifestE2ee {
    const counts = this.#decryptor.counts;
    return { on: this.#keys.wasOn, framesDecrypted: counts.decrypted, framesDropped: this.#decryptor.framesDropped, dropped: counts.dropped };
  }

  #askKeyFrames(sources: readonly RecordedSource[]): void {
    // A file and a composer's tile start only at a key frame, and a composer's first one may come
    // before its ffmpeg bound its port: ask now and again, each time past the bridge's one-request-per-second limit.
    const videos = sources.filter((s) => s.media === 'video');
    if (videos.length === 0) return;
    const ask = (): void => {
      if (this.#phase === 'stopping' || this.#phase === 'ended') return;
      for (const s of videos) this.#leg?.requestKeyFrame(s.ssrc);
    };
    ask();
    for (let i = 1; i <= KEY_FRAME_RETRIES; i++) setTimeout(ask, i * KEY_FRAME_RETRY_MS).unref();
  }

  async #fail(reason: string): Promise<void> {
    this.deps.log.warn('recording failed', { reason });
    await this.#end(reason, true);
  }

  async #end(reason: string, failure: boolean): Promise<void> {
    if (this.#stopping !== undefined) return;
    await this.stop(failure ? reason : undefined).catch(() => undefined);
    this.events.emit('ended', reason, failure);
  }

  async #finish(failure: string | undefined): Promise<string | undefined> {
    this.#phase = 'stopping';
    this.#offered = undefined;
    const endedMs = this.deps.now();
    const timeout = this.deps.ffmpegStopTimeoutMs;
    // Before forwarding stops: no layout switch starts from here on.
    const composedFile = this.#composed?.finish(timeout);
    const streamed = this.#pusher?.finish(timeout);
    // Frames still being decrypted go out first.
    await this.#decryptor.settled();
    this.#decryptor.close();
    clearInterval(this.#flushTimer);
    // No more packets: the composer's ffmpeg ends its inputs after RTP_IDLE_END_S and finishes its file.
    await this.#feed.close();
    const [file] = await Promise.all([composedFile, ...[...this.#writers.values()].map((w) => w.finish()), streamed]);
    this.deps.channel.send(el('presence', { from: this.params.jid, to: this.occupantJid, type: 'unavailable' }));
    this.#keys.close();
    this.#bridgeChannel?.close();
    await this.#leg?.close().catch(() => undefined);
    const e2ee = this.#e2eeSummary();
    if (e2ee.on) this.deps.log.info('end-to-end encrypted media', { ...e2ee, keysReceived: this.#keys.keysReceived });
    if (this.params.stream !== undefined) {
      // Nothing of a live stream is kept here.
      await rm(this.params.dir, { recursive: true, force: true });
      this.#phase = 'ended';
      this.deps.log.info('stream ended', { attempts: this.#pusher?.attempts ?? 0, failure });
      return undefined;
    }
    const startedMs = this.#startedMs === 0 ? endedMs : this.#startedMs;
    // A source that never sent a frame that could be written (a video without a key frame) has no file.
    const written = [...this.#writers.values()].filter((w) => w.hasFile);
    const tracks: ManifestTrack[] = written.map((w) => ({
      file: w.file, source: w.source.name, owner: w.source.owner, media: w.source.media, codec: w.source.codec, ssrc: w.source.ssrc, segment: w.segment,
      startOffsetMs: w.firstMs === undefined ? undefined : Math.max(0, w.firstMs - startedMs),
      durationMs: w.firstMs === undefined || w.lastMs === undefined ? 0 : w.lastMs - w.firstMs, packets: w.packets,
    }));
    const owners = new Map<string, string[]>();
    for (const t of tracks) if (!(owners.get(t.owner) ?? []).includes(t.source)) owners.set(t.owner, [...(owners.get(t.owner) ?? []), t.source]);
    const manifest: Manifest = {
      version: 1, sessionId: this.params.sessionId, room: this.params.roomJid, mode: 'file',
      startedAt: new Date(startedMs).toISOString(), endedAt: new Date(endedMs).toISOString(), durationMs: endedMs - startedMs,
      participants: [...owners].map(([endpointId, sources]) => ({ endpointId, sources })),
      composed: file === undefined || this.#composed === undefined ? undefined : { file, sources: this.#composed.sources.map((s) => s.name) },
      tracks,
      e2ee,
      ...(failure !== undefined ? { failure } : {}),
    };
    const path = await writeManifest(this.params.dir, manifest);
    this.#phase = 'ended';
    this.deps.log.info('recording written', { tracks: tracks.length, durationMs: manifest.durationMs, failure, datagramsTakenDirectly: this.#leg?.datagramsTaken });
    return path;
  }
}
