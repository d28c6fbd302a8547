// A FAKE conference core for the views' tests (the real one, src/client/, is tested by its own
// suite). It records every call and answers the way the real core is specified to in
// conference-api.ts (muting mutes, a wrong password fails with `password-wrong`…), so a test can
// check both what the views asked for and what the user sees afterwards.
import type {
  DialInInfo, FeatureError, FeatureErrorCode, PhoneCallView, ChatMessage, Conference, ConferenceErrorCode, ConferenceEvents, ConferenceSnapshot, EndReason, JoinOptions, LocalMedia,
  Notice, ParticipantView, RoomView, SpeakerStat, VideoConstraint,
} from '../../../src/client/conference-api.ts';

/** How the fake behaves when joined. */
export type FakeScript = {
  /** Fail the join with this error (password-required: the room is locked with `password`). */
  readonly joinError?: ConferenceErrorCode;
  readonly password?: string;
  readonly isModerator?: boolean;
  /** The local participant created the room (the "set a password?" offer). */
  readonly justCreated?: boolean;
  /** Wait in the lobby or for the host after joining. */
  readonly waiting?: 'lobby' | 'host';
  /** Stay in `connecting` until the test calls `finishJoin()`. */
  readonly holdJoin?: boolean;
  /** Secure domain: the host account's password; a login with another one fails with `auth-failed`, with it joins as moderator without waiting. */
  readonly hostPassword?: string;
  /** A `token` join with this value fails with `token-invalid` (any other token joins). */
  readonly badToken?: string;
  /** `startRecording` fails with this (as the focus would refuse it); otherwise it goes pending, then on. */
  readonly recordingError?: FeatureErrorCode;
  /** What `dialInInfo` answers (undefined: the server offers no dial-in). */
  readonly dialIn?: DialInInfo;
  /** `dialOut` fails with this; otherwise the call shows `calling` until the test answers it (`answerCall`). */
  readonly dialError?: FeatureErrorCode;
};

/** The sentences the real core words its refusals with (client/recording, client/phone). */
const FAKE_FEATURE_MESSAGES: Readonly<Record<'recording' | 'dial', Readonly<Record<FeatureErrorCode, string>>>> = {
  recording: {
    'not-allowed': 'Only moderators can start the recording.',
    unavailable: 'Recording is not available: no recorder runs on this server.',
    busy: 'All recorders are busy. Try again in a few minutes.',
    'invalid-number': 'That is not a phone number.',
    failed: 'The recording could not be started.',
  },
  dial: {
    'not-allowed': 'Only moderators can call phones into the meeting.',
    unavailable: 'Calling phones is not available: no phone gateway runs on this server.',
    busy: 'All phone lines are busy. Try again in a few minutes.',
    'invalid-number': 'That is not a phone number. Use digits, optionally starting with + (or a sip: address).',
    failed: 'The call could not be placed.',
  },
};

export type RecordedCall = { readonly method: string; readonly args: readonly unknown[] };

type Listener = (value: never) => void;

export class FakeConference implements Conference {
  snapshot: ConferenceSnapshot;
  readonly calls: RecordedCall[] = [];
  readonly constraints: { visible: readonly VideoConstraint[]; onStage: readonly string[] }[] = [];
  speakerTimes: SpeakerStat[] = [];
  #listeners = new Map<keyof ConferenceEvents, Set<Listener>>();
  #chatId = 0;
  #joinOptions: JoinOptions | undefined;

  constructor(readonly roomName: string, readonly media: LocalMedia, readonly script: FakeScript) {
    this.snapshot = {
      state: 'idle', error: undefined, dominantSpeaker: undefined, mediaPath: 'none', participants: [],
      room: { name: roomName, locked: false, lobbyEnabled: false, meetingId: undefined, lobbyWaiting: [], waiting: undefined, justCreated: false,
        recording: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined }, phoneCalls: [],
        liveStream: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined } },
    };
  }

  on<K extends keyof ConferenceEvents>(event: K, listener: (value: ConferenceEvents[K]) => void): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as Listener);
    this.#listeners.set(event, set);
    return () => set.delete(listener as Listener);
  }

  emit<K extends keyof ConferenceEvents>(event: K, value: ConferenceEvents[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as (v: ConferenceEvents[K]) => void)(value);
  }

  // ——— what tests use to script the meeting ———

  patch(change: Partial<ConferenceSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    this.emit('changed', this.snapshot);
  }

  patchRoom(change: Partial<RoomView>): void {
    this.patch({ room: { ...this.snapshot.room, ...change } });
  }

  patchParticipant(id: string, change: Partial<ParticipantView>): void {
    this.patch({ participants: this.snapshot.participants.map((p) => (p.id === id ? { ...p, ...change } : p)) });
  }

  addParticipant(p: ParticipantView): void {
    this.patch({ participants: [...this.snapshot.participants, p], mediaPath: this.snapshot.participants.length >= 2 ? 'bridge' : 'p2p' });
  }

  removeParticipant(id: string): void {
    this.patch({ participants: this.snapshot.participants.filter((p) => p.id !== id) });
  }

  receiveChat(from: string, text: string, privately = false): void {
    const sender = this.snapshot.participants.find((p) => p.id === from);
    this.emit('chat', this.#message(from, sender?.displayName ?? from, text, false, privately ? from : undefined));
  }

  notice(notice: Notice): void {
    this.emit('notice', notice);
  }

  end(reason: EndReason): void {
    this.patch({ state: 'ended' });
    this.emit('ended', reason);
  }

  /** Completes a join held by `holdJoin`. */
  finishJoin(): void {
    this.#enter();
  }

  callsOf(method: string): readonly (readonly unknown[])[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  // ——— Conference ———

  async join(options: JoinOptions): Promise<void> {
    this.#record('join', options);
    this.#joinOptions = options;
    this.patch({ state: 'connecting' });
    await Promise.resolve();
    if (options.login !== undefined) return options.login.password === this.script.hostPassword ? this.#enter() : this.#fail('auth-failed');
    if (options.token !== undefined && options.token === this.script.badToken) return this.#fail('token-invalid');
    if (this.script.joinError !== undefined) return this.#fail(this.script.joinError);
    if (!this.script.holdJoin) this.#enter();
  }

  async submitPassword(password: string): Promise<void> {
    this.#record('submitPassword', password);
    await Promise.resolve();
    if (password === this.script.password) this.#enter();
    else this.#fail('password-wrong');
  }

  async leave(): Promise<void> {
    this.#record('leave');
    this.end('left');
  }

  async setAudioMuted(muted: boolean): Promise<void> {
    this.#record('setAudioMuted', muted);
    this.#patchLocal({ audioMuted: muted });
  }

  async setVideoMuted(muted: boolean): Promise<void> {
    this.#record('setVideoMuted', muted);
    this.#patchLocal({ videoMuted: muted });
  }

  async startScreenShare(): Promise<void> {
    this.#record('startScreenShare');
    const local = this.#local();
    this.#patchLocal({ screenSharing: true, screenStream: local?.cameraStream, screenSourceName: `${local?.id ?? 'me'}-v1` });
  }

  async stopScreenShare(): Promise<void> {
    this.#record('stopScreenShare');
    this.#patchLocal({ screenSharing: false, screenStream: undefined, screenSourceName: undefined });
  }

  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    this.#record('switchDevice', kind, deviceId);
  }

  setDisplayName(name: string): void {
    this.#record('setDisplayName', name);
    this.#patchLocal({ displayName: name });
  }

  setHandRaised(raised: boolean): void {
    this.#record('setHandRaised', raised);
    this.#patchLocal({ handRaisedAt: raised ? Date.now() : undefined });
  }

  sendChat(text: string, to?: string): void {
    this.#record('sendChat', text, to);
    const local = this.#local();
    this.emit('chat', this.#message(local?.id, local?.displayName ?? 'me', text, true, to));
  }

  setReceiverConstraints(visible: readonly VideoConstraint[], onStage: readonly string[]): void {
    this.constraints.push({ visible, onStage });
  }

  speakerStats(): readonly SpeakerStat[] {
    this.#record('speakerStats');
    return this.speakerTimes;
  }

  async muteParticipant(id: string, media: 'audio' | 'video'): Promise<void> {
    this.#record('muteParticipant', id, media);
    this.patchParticipant(id, media === 'audio' ? { audioMuted: true } : { videoMuted: true });
  }

  async muteEveryone(media: 'audio' | 'video'): Promise<void> {
    this.#record('muteEveryone', media);
    this.patch({ participants: this.snapshot.participants.map((p) => (p.isLocal ? p : media === 'audio' ? { ...p, audioMuted: true } : { ...p, videoMuted: true })) });
  }

  async kick(id: string): Promise<void> {
    this.#record('kick', id);
    this.removeParticipant(id);
  }

  async grantModerator(id: string): Promise<void> {
    this.#record('grantModerator', id);
    this.patchParticipant(id, { role: 'moderator' });
  }

  async setRoomPassword(password: string | undefined): Promise<void> {
    this.#record('setRoomPassword', password);
    this.patchRoom({ locked: password !== undefined });
  }

  async setLobbyEnabled(enabled: boolean): Promise<void> {
    this.#record('setLobbyEnabled', enabled);
    this.patchRoom({ lobbyEnabled: enabled });
  }

  async admitFromLobby(id: string): Promise<void> {
    this.#record('admitFromLobby', id);
    this.patchRoom({ lobbyWaiting: this.snapshot.room.lobbyWaiting.filter((k) => k.id !== id) });
  }

  async denyFromLobby(id: string): Promise<void> {
    this.#record('denyFromLobby', id);
    this.patchRoom({ lobbyWaiting: this.snapshot.room.lobbyWaiting.filter((k) => k.id !== id) });
  }

  async startRecording(): Promise<void> {
    this.#record('startRecording');
    await Promise.resolve();
    if (this.script.recordingError !== undefined) throw this.#featureError('recording', this.script.recordingError);
    const local = this.#local();
    this.patchRoom({ recording: { status: 'pending', initiatorName: local?.displayName, startedByYou: true, failure: undefined, downloadUrl: undefined } });
  }

  /** Goes pending (the test turns it on with patchRoom, as the focus would). */
  async startLiveStream(target: string): Promise<void> {
    this.#record('startLiveStream', target);
    const local = this.#local();
    this.patchRoom({ liveStream: { status: 'pending', initiatorName: local?.displayName, startedByYou: true, failure: undefined } });
  }

  async stopLiveStream(): Promise<void> {
    this.#record('stopLiveStream');
    this.patchRoom({ liveStream: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined } });
  }

  async stopRecording(): Promise<void> {
    this.#record('stopRecording');
    this.patchRoom({ recording: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined } });
  }

  async dialOut(number: string): Promise<void> {
    this.#record('dialOut', number);
    const id = `call${this.snapshot.room.phoneCalls.length + 1}`;
    const error = this.script.dialError === undefined ? undefined : this.#featureError('dial', this.script.dialError);
    this.#patchCalls([...this.snapshot.room.phoneCalls, { id, number, state: error === undefined ? 'calling' : 'failed', error, participantId: undefined }]);
    if (error !== undefined) throw error;
  }

  async hangUp(callId: string): Promise<void> {
    this.#record('hangUp', callId);
    const call = this.snapshot.room.phoneCalls.find((c) => c.id === callId);
    this.#patchCalls(this.snapshot.room.phoneCalls.map((c) => (c.id === callId ? { ...c, state: 'ended' as const } : c)));
    if (call?.participantId !== undefined) this.removeParticipant(call.participantId);
  }

  async dialInInfo(): Promise<DialInInfo | undefined> {
    this.#record('dialInInfo');
    return this.script.dialIn;
  }

  /** The callee of a `dialOut` call answered: they join as a phone participant. */
  answerCall(callId: string, participant: ParticipantView): void {
    this.addParticipant(participant);
    this.#patchCalls(this.snapshot.room.phoneCalls.map((c) => (c.id === callId ? { ...c, state: 'connected' as const, participantId: participant.id } : c)));
  }

  // ——— internals ———

  #featureError(context: 'recording' | 'dial', code: FeatureErrorCode): FeatureError {
    return { code, message: FAKE_FEATURE_MESSAGES[context][code] };
  }

  #patchCalls(calls: readonly PhoneCallView[]): void {
    this.patchRoom({ phoneCalls: calls });
  }

  #record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  #local(): ParticipantView | undefined {
    return this.snapshot.participants.find((p) => p.isLocal);
  }

  #patchLocal(change: Partial<ParticipantView>): void {
    const local = this.#local();
    if (local !== undefined) this.patchParticipant(local.id, change);
  }

  #fail(code: ConferenceErrorCode): void {
    this.patch({ state: 'failed', error: { code, message: `fake ${code}` } });
  }

  #enter(): void {
    const options = this.#joinOptions;
    const host = options?.login !== undefined;
    const local: ParticipantView = {
      id: 'local0', isLocal: true, displayName: options?.displayName ?? 'me', role: this.script.isModerator === false && !host ? 'participant' : 'moderator',
      audioMuted: options?.startAudioMuted ?? false, videoMuted: options?.startVideoMuted ?? false, handRaisedAt: undefined,
      screenSharing: false, isPhone: false, connectionQuality: 'good', audioStream: undefined, cameraStream: this.media.stream,
      screenStream: undefined, cameraSourceName: 'local0-v0', screenSourceName: undefined,
    };
    this.patch({
      state: 'joined', error: undefined, participants: [local, ...this.snapshot.participants.filter((p) => !p.isLocal)],
      room: { ...this.snapshot.room, meetingId: 'fake-meeting', justCreated: this.script.justCreated ?? false, waiting: host ? undefined : this.script.waiting },
    });
  }

  #message(from: string | undefined, fromName: string, text: string, isLocal: boolean, privateWith: string | undefined): ChatMessage {
    return { id: `m${++this.#chatId}`, from, fromName, text, at: Date.now(), isLocal, privateWith };
  }
}
