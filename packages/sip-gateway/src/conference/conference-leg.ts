// One call's presence in its conference (Jigasi's role, protocols.md §7): over the gateway's
// component connection, from the call's own JID `<gateway domain>/<nick>`, the leg
//   1. asks the focus for the conference (§1.1; creates it if needed, retries while not ready),
//   2. joins the room with its nick, display name, the jigasi feature and its audio source (§1.2, §8.6),
//   3. answers the focus's disco#info (audio only) and session-initiate with a werift peer
//      (audio-peer.ts), then waits for ICE/DTLS with the bridge.
// After that it passes every Opus packet from the bridge on (`audio`), follows source-add/-remove
// (`sourceRemoved`, so the mixer drops gone sources), sends the caller's Opus frames with its own
// RTP counters and RFC 6464 level, and follows mute: the caller's own (`setMuted`, *6) and the
// focus's (a moderator's remote mute → `mutedByFocus`; unmuting afterwards lifts the bridge's
// force-mute with a self-unmute IQ, §8.5).
//
// Sessions move (issue 6): the focus ends the session with "moving" and sends a fresh
// session-initiate (another bridge): the leg answers it with a new peer, same SSRC and counters.
// When the media fails on its own the leg asks the focus for a fresh session (session-terminate
// with `<bridge-session restart="true"/>`, §2.3). No new session within timeouts.sessionMs → ended.
//
// End-to-end encrypted rooms (issue 9): the leg holds the meeting's keys like a browser (leg-keys.ts):
// its presence advertises an identity key, key messages come and go as MUC private messages, and
// while the room is encrypted the audio is decrypted before `audio` and encrypted before it is sent,
// fail-closed.
//
// Closing: leave() → session-terminate, unavailable presence, peer closed (no `ended`). Anything
// that throws the call out (kicked, room destroyed, focus gone, session ended, media failed, the
// last other participant left) → the same cleanup, then `ended` once with the reason.
import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { El, Jingle } from '@plenum/xmpp/codec';
import { NS_JITSI_MEET, child, el, encodeJingle, encodeMuteRequest, errorReply, iqResult, text } from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';
import { audioLevelByte } from './audio-level.ts';
import type { AudioPeerOptions } from './audio-peer.ts';
import { AudioPeer, audioSourceName, rtpTimestampOf } from './audio-peer.ts';
import { LegError, isConferenceLegError, joinRefusal } from './conference-leg-error.ts';
import type { LegPresenceState } from './leg-presence.ts';
import { joinPresence, leavePresence, legDiscoQuery, readSelfPresence, updatePresence } from './leg-presence.ts';
import { DeadlineWait } from './deadline-wait.ts';
import type { LegE2eeStats, LegKeysLimits } from './leg-keys.ts';
import { LegKeys } from './leg-keys.ts';
import { readRoomIq } from './room-iq.ts';
import { RemoteAudioSources } from './remote-audio-sources.ts';
import { requestConference } from './conference-request.ts';

/** The gateway's component connection as the leg uses it (ComponentConnection fits). */
export type ConferenceChannel = { send(stanza: El): void; request(iq: El, opts: RequestOptions): Promise<El> };

/** How long each step may take. */
export type ConferenceLegTimeouts = {
  /** The conference request, including retries while the focus answers ready=false. */
  readonly conferenceMs: number;
  /** The room's answer to the join presence. */
  readonly joinMs: number;
  /** From the join (or a move / restart) to the focus's session-initiate. */
  readonly sessionMs: number;
  /** ICE and DTLS with the bridge after session-accept. */
  readonly mediaMs: number;
};

export const DEFAULT_LEG_TIMEOUTS: ConferenceLegTimeouts = { conferenceMs: 15_000, joinMs: 10_000, sessionMs: 15_000, mediaMs: 10_000 };

export type ConferenceLegDeps = {
  readonly log: Logger;
  readonly channel: ConferenceChannel;
  /** The gateway's component domain: a call's JID is `<domain>/<nick>`. */
  readonly domain: string;
  /** Where conference requests go (`focus.<domain>`). */
  readonly focusDomain: string;
  /** The focus's nickname in rooms (default `focus`). */
  readonly focusNick?: string;
  readonly timeouts?: Partial<ConferenceLegTimeouts>;
  readonly media?: AudioPeerOptions;
  readonly e2ee?: LegKeysLimits;
  /** Ask the bridge for the conference's audio in bursts (FEATURE_BATCHED_DELIVERY); default false. */
  readonly batchedDelivery?: boolean;
};

export type ConferenceLegParams = {
  /** Bare room JID, `room@conference.<domain>`. */
  readonly roomJid: string;
  /** The call's endpoint id: MUC nickname, COLIBRI2 endpoint, resource of the call's JID. */
  readonly nick: string;
  /** The name the room shows (the caller's name or masked number: the call flow decides). */
  readonly displayName: string;
  /** Room password (Jitsi-Conference-Room-Pass, or from the PIN lookup). */
  readonly password?: string;
  readonly region?: string;
};

/** Exactly the call flow's ConferenceSideEvents (src/gateway/ports.ts). */
export type ConferenceLegEvents = {
  /**
   * One Opus packet of another participant, from the bridge (the payload is valid while the
   * listener runs: copy it to keep it), with the sender's RFC 6464 level (NO_LEVEL: none).
   */
  audio: [ssrc: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, level: number];
  /** A participant's audio source is gone (source-remove, left, or missing from a moved session). */
  sourceRemoved: [ssrc: number];
  /** The focus muted the caller (a moderator's remote mute). */
  mutedByFocus: [];
  /** The caller is out of the room (kicked, room destroyed, session ended, media failed, everyone else left); not after leave(). */
  ended: [reason: string];
};

type Phase = 'new' | 'joining' | 'connected' | 'renegotiating' | 'ended';

/** One call in its conference: see the file comment. */
export class ConferenceLeg {
  readonly events: TypedEmitter<ConferenceLegEvents>;
  readonly jid: string;
  readonly occupantJid: string;
  /** Our audio SSRC, the same for every session of the call. */
  readonly ssrc = randomInt(1, 0xffff_fffe);
  readonly #log: Logger;
  readonly #timeouts: ConferenceLegTimeouts;
  readonly #focusOccupant: string;
  readonly #sources: RemoteAudioSources;
  readonly #keys: LegKeys;
  readonly #closing = new AbortController();
  #phase: Phase = 'new';
  #isInRoom = false;
  #peer: AudioPeer | undefined;
  #session: { sid: string; bridgeSessionId: string | undefined } | undefined;
  #selfJoin: DeadlineWait<void> | undefined;
  #offerWait: DeadlineWait<Jingle> | undefined;
  /** Nicks of the room's other occupants (not the focus): the call ends when the last one leaves. */
  readonly #others = new Set<string>();
  #isMuted = false;
  #isForceMuted = false;
  #statusText: string | undefined;
  #sequence = randomInt(0, 0x10000);
  #frameIndex = randomInt(0, 0x10000);
  /** The next packet starts a talkspurt (after a mute, a gap or a new session): marker bit. */
  #isAfterGap = true;
  /** The frame index of the last packet sent. */
  #lastFrameSent = -2;
  #leaving: Promise<void> | undefined;
  /** SRTP datagrams of closed peers taken before werift's ICE layer (the current peer counts its own). */
  #datagramsTakenBefore = 0;

  constructor(private readonly deps: ConferenceLegDeps, readonly params: ConferenceLegParams) {
    this.jid = `${deps.domain}/${params.nick}`;
    this.occupantJid = `${params.roomJid}/${params.nick}`;
    this.#focusOccupant = `${params.roomJid}/${deps.focusNick ?? 'focus'}`;
    this.#timeouts = { ...DEFAULT_LEG_TIMEOUTS, ...deps.timeouts };
    this.#log = deps.log.child({ component: 'conference-leg', conf: params.roomJid, endpoint: params.nick });
    this.events = new TypedEmitter<ConferenceLegEvents>(this.#log);
    this.#sources = new RemoteAudioSources(this.ssrc);
    this.#keys = new LegKeys({
      log: this.#log, localId: params.nick, limits: deps.e2ee,
      sendJson: (to, json) => this.#sendPrivateJson(to, json),
      presenceChanged: () => this.#sendPresence(),
      deliver: (ssrc, seq, ts, payload, level) => this.events.emit('audio', ssrc, seq, ts, payload, level),
    });
  }

  /**
   * Creates the leg, hands its stanza handler to `route` (stanzas to the call's JID must reach it
   * while it joins) and joins. Rejects with a ConferenceLegError (see sipStatusFor) after cleaning up.
   */
  static async join(deps: ConferenceLegDeps, params: ConferenceLegParams, route: (handler: (stanza: El) => boolean) => void): Promise<ConferenceLeg> {
    const leg = new ConferenceLeg(deps, params);
    route((s) => leg.handleStanza(s));
    await leg.join();
    return leg;
  }

  get isMuted(): boolean {
    return this.#isMuted;
  }

  get isConnected(): boolean {
    return this.#phase === 'connected' && this.#peer?.isConnected === true;
  }

  /** The other participants' audio sources known now (session-initiate, source-add, source-remove). */
  get remoteSources(): readonly { readonly ssrc: number; readonly owner: string }[] {
    return this.#sources.all();
  }

  /** Datagrams from the bridge that took the direct SRTP path (audio-peer.ts) over the call's sessions. */
  get srtpDatagramsTaken(): number {
    return this.#datagramsTakenBefore + (this.#peer?.datagramsTaken ?? 0);
  }

  /** What E2EE did to the call's media so far (the room's state, frames decrypted, dropped, encrypted, unsent). */
  get e2eeStats(): LegE2eeStats {
    return this.#keys.stats();
  }

  /** Conference request, room join, session; resolves when media flows. Once only. */
  async join(): Promise<void> {
    if (this.#phase !== 'new') throw new Error('ConferenceLeg.join() runs once');
    this.#phase = 'joining';
    try {
      await requestConference({
        channel: this.deps.channel, log: this.#log, from: this.jid, focusDomain: this.deps.focusDomain, roomJid: this.params.roomJid,
        timeoutMs: this.#timeouts.conferenceMs, signal: this.#closing.signal,
      });
      this.#throwIfClosed();
      await this.#keys.start();
      const offered = this.#nextOffer();
      await this.#enterRoom();
      this.#keys.joined();
      await this.#answer(await offered);
      await this.#peer?.connected(this.#timeouts.mediaMs);
      this.#throwIfClosed();
      this.#phase = 'connected';
      this.#log.info('call joined the conference', { sources: this.#sources.size });
    } catch (error) {
      const failure = this.#closing.signal.aborted ? LegError.closed() : error;
      this.#log.info('call could not join the conference', { code: isConferenceLegError(failure) ? failure.code : 'bug', err: (failure as Error).message });
      await this.#cleanUp('join failed');
      throw failure;
    }
  }

  /** A stanza addressed to the call's JID; false when it is not for this leg. */
  handleStanza(s: El): boolean {
    if (s.attrs.to !== this.jid) return false;
    const from = s.attrs.from ?? '';
    switch (s.name) {
      case 'presence':
        if (from.startsWith(`${this.params.roomJid}/`)) this.#onRoomPresence(s, from);
        return true;
      case 'message':
        // E2EE key messages come privately from an occupant; room chat and notifications: nothing a phone can show.
        if (s.attrs.type === 'chat' && from.startsWith(`${this.params.roomJid}/`)) {
          const json = child(s, 'json-message', NS_JITSI_MEET);
          if (json !== undefined) this.#keys.onPrivateJson(from.slice(this.params.roomJid.length + 1), text(json));
        }
        return true;
      case 'iq':
        if (s.attrs.type === 'get' || s.attrs.type === 'set') this.#onIq(s, from);
        return true;
      default:
        return false;
    }
  }

  /**
   * Sends one 20 ms Opus frame of the caller (`level`: RFC 6464, 0 loud … 127 silent). Every call
   * advances the RTP clock; nothing is sent while muted or between sessions.
   */
  sendAudio(opus: Uint8Array, level: number): void {
    const frameIndex = this.#frameIndex++;
    if (!this.#canSend()) {
      this.#isAfterGap = true;
      return;
    }
    if (!this.#keys.isEncryptingOutbound) {
      this.#transmit(opus, frameIndex, level);
      return;
    }
    // Encrypted frames leave in order; one without a key of ours is not sent (a gap).
    void this.#keys.encryptOutbound(opus, this.ssrc, rtpTimestampOf(frameIndex)).then((frame) => {
      if (frame === undefined) this.#isAfterGap = true;
      else this.#transmit(frame, frameIndex, level);
    });
  }

  /** One 20 ms frame of the caller not sent (silence): the RTP clock advances, the next packet carries the marker bit. */
  skipAudio(): void {
    this.#frameIndex++;
  }

  /** The caller's own mute (*6): presence update, no packets while muted; unmuting lifts a moderator's force-mute. */
  setMuted(muted: boolean): void {
    if (this.#phase === 'ended' || muted === this.#isMuted) return;
    this.#isMuted = muted;
    this.#sendPresence();
    if (!muted && this.#isForceMuted) {
      this.#isForceMuted = false;
      const iq = el('iq', { type: 'set', from: this.jid, to: this.#focusOccupant },
        encodeMuteRequest({ media: 'audio', jid: this.occupantJid, mute: false }));
      this.deps.channel.request(iq, { timeoutMs: this.#timeouts.joinMs })
        .catch((error: unknown) => this.#log.warn('self-unmute not accepted by the focus', { err: (error as Error).message }));
    }
  }

  /** `<status>` in the presence (call progress the web app shows); undefined removes it. */
  setStatus(statusText: string | undefined): void {
    if (statusText === this.#statusText) return;
    this.#statusText = statusText;
    if (this.#isInRoom) this.#sendPresence();
  }

  /** Leaves the room (session-terminate, unavailable presence, media closed); idempotent. */
  leave(): Promise<void> {
    this.#leaving ??= (async () => {
      this.#closing.abort();
      if (this.#phase === 'ended') return;
      this.#log.info('call leaves the conference');
      await this.#cleanUp('call ended');
    })();
    return this.#leaving;
  }

  #canSend(): boolean {
    return !this.#isMuted && this.#phase === 'connected' && this.#peer?.isConnected === true;
  }

  /** One frame to the bridge with the next sequence number (assigned here: frames not sent leave no hole). */
  #transmit(frame: Uint8Array, frameIndex: number, level: number): void {
    const peer = this.#peer;
    if (peer === undefined || !this.#canSend()) {
      this.#isAfterGap = true;
      return;
    }
    // A frame not right after the last one sent (silence skipped, frames lost to E2EE) starts a talkspurt too.
    peer.send(frame, this.#sequence++, frameIndex, audioLevelByte(level), this.#isAfterGap || frameIndex !== this.#lastFrameSent + 1);
    this.#isAfterGap = false;
    this.#lastFrameSent = frameIndex;
  }

  // --- joining -------------------------------------------------------------------------------

  #enterRoom(): Promise<void> {
    const wait = new DeadlineWait<void>(this.#timeouts.joinMs, () => LegError.focusUnavailable('the room did not answer the join'),
      this.#closing.signal, () => LegError.closed());
    this.#selfJoin = wait;
    this.#isInRoom = true;
    this.deps.channel.send(joinPresence(this.jid, this.occupantJid, this.#presenceState(), this.params.password));
    return wait.promise;
  }

  /** The next session-initiate from the focus, within timeouts.sessionMs (set up before it can arrive). */
  #nextOffer(): Promise<Jingle> {
    const timeoutMs = this.#timeouts.sessionMs;
    const wait = new DeadlineWait<Jingle>(timeoutMs, () => LegError.noSession(timeoutMs), this.#closing.signal, () => LegError.closed());
    this.#offerWait = wait;
    return wait.promise;
  }

  /** Answers an offer with a new peer (the old one, if any, is closed) and sends session-accept. */
  async #answer(offer: Jingle): Promise<void> {
    const { peer, accept } = await AudioPeer.answer(offer, { ssrc: this.ssrc, endpointId: this.params.nick }, this.deps.media ?? {})
      .catch((error: unknown) => {
        throw isConferenceLegError(error) ? error : LegError.mediaFailed(`werift could not answer the offer: ${(error as Error).message}`, error);
      });
    if (this.#closing.signal.aborted || this.#phase === 'ended') {
      await peer.close();
      throw LegError.closed();
    }
    const previous = this.#peer;
    this.#datagramsTakenBefore += previous?.datagramsTaken ?? 0;
    this.#peer = peer;
    this.#session = { sid: offer.sid, bridgeSessionId: offer.bridgeSession?.id };
    this.#isAfterGap = true;
    await previous?.close();
    for (const s of this.#sources.replace(offer).removed) this.events.emit('sourceRemoved', s.ssrc);
    peer.onAudio((ssrc, seq, ts, payload, level) => this.#keys.receive(ssrc, seq, ts, this.#sources.get(ssrc)?.owner, payload, level));
    peer.onFailed((state) => this.#onMediaFailed(peer, state));
    const iq = el('iq', { type: 'set', from: this.jid, to: this.#focusOccupant }, encodeJingle({
      action: 'session-accept', sid: offer.sid, responder: this.jid, contents: accept.contents, groups: accept.groups,
    }));
    try {
      await this.deps.channel.request(iq, { timeoutMs: this.#timeouts.joinMs });
    } catch (error) {
      throw LegError.mediaFailed(`the focus refused the session-accept: ${(error as Error).message}`, error);
    }
  }

  // --- in the conference ---------------------------------------------------------------------

  #onIq(iq: El, from: string): void {
    if (this.#phase === 'ended') {
      this.deps.channel.send(errorReply(iq, { type: 'cancel', condition: 'item-not-found', text: 'the call has ended' }));
      return;
    }
    const r = readRoomIq(iq, from, this.#focusOccupant);
    switch (r.kind) {
      case 'disco-info':
        this.deps.channel.send(iqResult(iq, legDiscoQuery()));
        return;
      case 'refused':
        this.deps.channel.send(errorReply(iq, r.error));
        return;
      case 'other-mute':
        this.deps.channel.send(iqResult(iq));
        return;
      case 'audio-mute':
        this.deps.channel.send(iqResult(iq));
        if (r.mute) this.#onFocusMute();
        return;
      case 'jingle':
        // XEP-0166 §7.2: acknowledge first, then act.
        this.deps.channel.send(iqResult(iq));
        this.#onJingle(r.jingle);
        return;
    }
  }

  #onJingle(j: Jingle): void {
    switch (j.action) {
      case 'session-initiate':
        if (this.#offerWait?.isPending === true) this.#offerWait.resolve(j);
        else if (this.#phase === 'connected' || this.#phase === 'renegotiating') this.#renegotiate(j);
        return;
      case 'source-add':
        if (j.sid !== this.#session?.sid) return;
        this.#sources.add(j);
        return;
      case 'source-remove':
        if (j.sid !== this.#session?.sid) return;
        for (const s of this.#sources.remove(j)) this.events.emit('sourceRemoved', s.ssrc);
        return;
      case 'session-terminate':
        if (j.sid !== this.#session?.sid || this.#phase === 'ended') return;
        if (j.reason?.text === 'moving') {
          // The focus moves the call to another bridge: a fresh session-initiate follows.
          this.#log.info('session moving to another bridge');
          this.#awaitNewSession();
        } else {
          void this.#end(`the focus ended the session (${j.reason?.condition ?? 'no reason'}${j.reason?.text !== undefined ? `: ${j.reason.text}` : ''})`);
        }
        return;
      default:
        return;
    }
  }

  /** Between sessions: no media until the next session-initiate, which must come in time. */
  #awaitNewSession(): void {
    if (this.#offerWait?.isPending === true || this.#phase === 'ended') return;
    this.#phase = 'renegotiating';
    this.#isAfterGap = true;
    const peer = this.#peer;
    this.#datagramsTakenBefore += peer?.datagramsTaken ?? 0;
    this.#peer = undefined;
    void peer?.close();
    this.#nextOffer().then((offer) => this.#renegotiate(offer), (error: unknown) => {
      if (!isConferenceLegError(error, 'closed')) void this.#end(`no new session: ${(error as Error).message}`);
    });
  }

  #renegotiate(offer: Jingle): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'renegotiating';
    this.#answer(offer)
      .then(() => this.#peer?.connected(this.#timeouts.mediaMs))
      .then(() => {
        if (this.#phase !== 'renegotiating') return;
        this.#phase = 'connected';
        this.#log.info('call joined a new session', { bridgeSession: offer.bridgeSession?.id });
      })
      .catch((error: unknown) => {
        if (!isConferenceLegError(error, 'closed')) void this.#end(`the new session failed: ${(error as Error).message}`);
      });
  }

  /** The media with the bridge failed on its own: ask the focus for a fresh session (protocols.md §2.3). */
  #onMediaFailed(peer: AudioPeer, state: string): void {
    if (peer !== this.#peer || this.#phase !== 'connected' || this.#session === undefined) return;
    this.#log.warn('media with the bridge failed, asking for a new session', { state });
    const { sid, bridgeSessionId } = this.#session;
    this.#awaitNewSession();
    const iq = el('iq', { type: 'set', from: this.jid, to: this.#focusOccupant }, encodeJingle({
      action: 'session-terminate', sid, contents: [], groups: [], reason: { condition: 'connectivity-error', text: 'ICE failed' },
      ...(bridgeSessionId !== undefined ? { bridgeSession: { id: bridgeSessionId, restart: true } } : {}),
    }));
    this.deps.channel.request(iq, { timeoutMs: this.#timeouts.joinMs })
      .catch((error: unknown) => void this.#end(`the focus refused a new session: ${(error as Error).message}`));
  }

  #onFocusMute(): void {
    this.#isForceMuted = true;
    if (!this.#isMuted) {
      this.#isMuted = true;
      this.#sendPresence();
    }
    this.#log.info('muted by the focus');
    this.events.emit('mutedByFocus');
  }

  #onRoomPresence(p: El, from: string): void {
    if (from === this.occupantJid) {
      this.#onSelfPresence(p);
      return;
    }
    const isInCall = this.#phase === 'connected' || this.#phase === 'renegotiating';
    if (from === this.#focusOccupant) {
      if (p.attrs.type === 'unavailable' && isInCall) void this.#end('the focus left the room');
      return;
    }
    const nick = from.slice(this.params.roomJid.length + 1);
    // Everyone who advertises an identity key is paired with, as browsers do (recorders and other calls too).
    this.#keys.onOccupantPresence(nick, p);
    // Like Jigasi, a caller does not stay on alone: once everybody else has left, the call ends.
    if (p.attrs.type === undefined) this.#others.add(nick);
    else if (p.attrs.type === 'unavailable' && this.#others.delete(nick) && this.#others.size === 0 && isInCall) void this.#end('everyone else left');
  }

  #onSelfPresence(p: El): void {
    const self = readSelfPresence(p);
    const isJoining = this.#selfJoin?.isPending === true;
    if (self.kind === 'in-room') {
      this.#selfJoin?.resolve();
      return;
    }
    this.#isInRoom = false;
    if (self.kind === 'refused') {
      if (isJoining) this.#selfJoin?.reject(joinRefusal(self.condition, self.text));
      else void this.#end(`the room sent an error: ${self.text ?? self.condition ?? 'unknown'}`);
    } else if (isJoining) {
      this.#selfJoin?.reject(LegError.forbidden(self.reason, 'forbidden'));
    } else {
      void this.#end(self.reason);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  #presenceState(): LegPresenceState {
    return {
      sourceName: audioSourceName(this.params.nick), displayName: this.params.displayName, isMuted: this.#isMuted,
      region: this.params.region, statusText: this.#statusText, e2ee: this.#keys.presenceElements(),
      batchedDelivery: this.deps.batchedDelivery === true,
    };
  }

  /** A MUC private message (XEP-0045 §7.5) with a `<json-message>`: how E2EE keys travel. */
  #sendPrivateJson(toNick: string, json: string): void {
    if (!this.#isInRoom) return;
    this.deps.channel.send(el('message', { type: 'chat', from: this.jid, to: `${this.params.roomJid}/${toNick}` },
      el('json-message', { xmlns: NS_JITSI_MEET }, json)));
  }

  #sendPresence(): void {
    if (this.#isInRoom) this.deps.channel.send(updatePresence(this.jid, this.occupantJid, this.#presenceState()));
  }

  /** Thrown out of the conference: clean up, then `ended` once. */
  async #end(reason: string): Promise<void> {
    if (this.#phase === 'ended') return;
    this.#log.info('call out of the conference', { reason });
    await this.#cleanUp(reason);
    this.events.emit('ended', reason);
  }

  /** session-terminate, unavailable presence, media closed; phase ended. */
  async #cleanUp(reason: string): Promise<void> {
    this.#phase = 'ended';
    this.#keys.close();
    const e2ee = this.#keys.stats();
    if (e2ee.decrypted + e2ee.encrypted + e2ee.unsent > 0) this.#log.info('e2ee media of the call', { ...e2ee, decryptedBy: undefined });
    this.#offerWait?.reject(LegError.closed());
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined && this.#isInRoom) {
      this.deps.channel.send(el('iq', { type: 'set', id: randomUUID(), from: this.jid, to: this.#focusOccupant },
        encodeJingle({ action: 'session-terminate', sid: session.sid, contents: [], groups: [], reason: { condition: 'success', text: reason } })));
    }
    if (this.#isInRoom) this.deps.channel.send(leavePresence(this.jid, this.occupantJid));
    this.#isInRoom = false;
    this.#log.debug('bridge media of the call', { srtpDatagramsTaken: this.srtpDatagramsTaken });
    const peer = this.#peer;
    this.#datagramsTakenBefore += peer?.datagramsTaken ?? 0;
    this.#peer = undefined;
    await peer?.close();
  }

  #throwIfClosed(): void {
    if (this.#closing.signal.aborted) throw LegError.closed();
  }
}
