// The contract between the browser app's conference core (client/) and its views (ui/). The core
// owns the XMPP connection, the focus, the MUC, the Jingle sessions and the bridge channel; the
// views only read `ConferenceSnapshot`s and call the methods below. Nothing here is Jitsi-specific
// on purpose: the views never see a stanza.
//
// Types only; the core implements `Conference` (client/conference/…), the views' tests use a fake.

/** Where the meeting connection is. */
export type ConnectionState =
  /** Not joined yet (pre-join), or left. */
  | 'idle'
  | 'connecting'
  /** Joined the room; media may still be connecting (see `MediaState`). */
  | 'joined'
  /** The WebSocket dropped or ICE failed; the core is resuming / restarting by itself. */
  | 'reconnecting'
  /** Left on purpose, kicked, or the room was destroyed (see the `ended` event for why). */
  | 'ended'
  /** Could not join or could not recover (see `error`). */
  | 'failed';

/** Why joining or staying failed, as the user must be told it. */
export type ConferenceErrorCode =
  | 'server-unreachable'
  | 'auth-required'
  | 'auth-failed'
  | 'password-required'
  | 'password-wrong'
  | 'room-full'
  | 'lobby-denied'
  | 'not-allowed'
  | 'conference-failed'
  | 'media-failed'
  /** The user (or the browser's settings) refused camera and microphone access. */
  | 'media-denied'
  /** No camera or microphone is connected. */
  | 'media-not-found'
  /** The microphone opened but the camera did not (none, in use, or refused): heard, not seen. */
  | 'camera-unavailable'
  /** The camera opened but the microphone did not: seen, not heard. */
  | 'microphone-unavailable'
  /** The `?jwt=` sign-in token was refused: invalid, expired, or not for this room. */
  | 'token-invalid'
  | 'unsupported-browser';

export type ConferenceError = { readonly code: ConferenceErrorCode; readonly message: string };

/** Why the meeting ended for this participant. */
export type EndReason = 'left' | 'kicked' | 'room-destroyed' | 'connection-lost';

export type ConnectionQuality = 'good' | 'fair' | 'poor' | 'unknown';

export type Role = 'moderator' | 'participant';

/** One person in the meeting, local or remote, as the views show them. Immutable: a change makes a new object. */
export type ParticipantView = {
  /** Endpoint id (the MUC nickname); stable for the participant's stay. */
  readonly id: string;
  readonly isLocal: boolean;
  readonly displayName: string;
  readonly role: Role;
  readonly audioMuted: boolean;
  readonly videoMuted: boolean;
  /** When the hand went up (ms since epoch), undefined when lowered. */
  readonly handRaisedAt: number | undefined;
  readonly screenSharing: boolean;
  /** A phone caller (SIP gateway) or another non-browser participant without video. */
  readonly isPhone: boolean;
  /** A phone being called: the gateway's progress (Calling, Ringing, Busy…); absent once answered. */
  readonly callStatus?: string | undefined;
  readonly connectionQuality: ConnectionQuality;
  /** Remote: the participant's audio; local: undefined (never played back). */
  readonly audioStream: MediaStream | undefined;
  /** Camera video (local: the preview). */
  readonly cameraStream: MediaStream | undefined;
  /** Screen share video, when sharing. */
  readonly screenStream: MediaStream | undefined;
  /** Source names, for `setReceiverConstraints` (`<id>-v0`, `<id>-v1`…). */
  readonly cameraSourceName: string | undefined;
  readonly screenSourceName: string | undefined;
  /** End-to-end encryption with this participant (remote only; absent from cores without E2EE). */
  readonly e2ee?: ParticipantE2ee;
};

/** One symbol of a short authentication string (emoji and its name). */
export type SasSymbol = { readonly emoji: string; readonly name: string };

/** End-to-end encryption with one remote participant. */
export type ParticipantE2ee = {
  /** We share keys (it advertised an identity key): it can decrypt us and we it. */
  readonly hasKeys: boolean;
  /** Its presence says its media is encrypted. */
  readonly encrypts: boolean;
  /** The local user compared the SAS with this participant and marked it verified. */
  readonly verified: boolean;
};

/** The room's end-to-end encryption as the views show it. */
export type E2eeView = {
  /** Media in this room is end-to-end encrypted (the bridge forwards what it cannot read). */
  readonly enabled: boolean;
  /** This browser can encrypt; when it cannot and `enabled` is set, it sends no camera or microphone. */
  readonly supported: boolean;
  /**
   * The recorders in the room (they record or stream; services, not participants) and whether each
   * holds this meeting's keys. Absent or empty: none is here.
   */
  readonly recorders?: readonly RecorderE2ee[];
};

/** A recorder in the room, as E2EE sees it. */
export type RecorderE2ee = {
  /** Its endpoint id (MUC nickname). */
  readonly id: string;
  /** It paired with us (it advertised an identity key): it gets our key and can decrypt the meeting. */
  readonly hasKeys: boolean;
};

export type ChatMessage = {
  readonly id: string;
  /** Sender's endpoint id; undefined for messages from the room itself. */
  readonly from: string | undefined;
  readonly fromName: string;
  readonly text: string;
  /** ms since epoch. */
  readonly at: number;
  readonly isLocal: boolean;
  /** For private messages: the other participant (recipient when local, sender otherwise). */
  readonly privateWith: string | undefined;
};

/** Room-level state the views show. */
export type RoomView = {
  /** The room's name as typed in the URL (without domain). */
  readonly name: string;
  readonly locked: boolean;
  readonly lobbyEnabled: boolean;
  /** Set once the focus created or joined the room and our presence is in. */
  readonly meetingId: string | undefined;
  /** Knockers waiting in the lobby (moderators only see them). */
  readonly lobbyWaiting: readonly { readonly id: string; readonly displayName: string }[];
  /** True while this participant itself waits in the lobby or for the host. */
  readonly waiting: 'lobby' | 'host' | undefined;
  /** True when this participant is the first moderator of a room it just created (offer a password). */
  readonly justCreated: boolean;
  /** Whether the meeting is being recorded, as the focus announces it to everyone (protocols.md §6). */
  readonly recording: RecordingView;
  /** Whether the meeting is streamed live (RTMP), as the focus announces it to everyone; absent in cores without live streaming. */
  readonly liveStream?: LiveStreamView;
  /** Phone calls this participant placed from the meeting (moderators' dial-out), oldest first. */
  readonly phoneCalls: readonly PhoneCallView[];
};

/** The room's recording. Everyone sees it: people must know they are recorded. */
export type RecordingView = {
  readonly status: 'off' | 'pending' | 'on';
  /** Display name of the moderator who started it, when known. */
  readonly initiatorName: string | undefined;
  readonly startedByYou: boolean;
  /** Why the last recording ended without being stopped ('error', 'busy'…); undefined after a normal stop. */
  readonly failure: string | undefined;
  /** Where the finished recording can be downloaded: given only to the moderator who started it. */
  readonly downloadUrl: string | undefined;
};

/** The room's live stream. Everyone sees it: people must know they are broadcast. */
export type LiveStreamView = {
  readonly status: 'off' | 'pending' | 'on';
  /** Display name of the moderator who started it, when known. */
  readonly initiatorName: string | undefined;
  readonly startedByYou: boolean;
  /** Why the last stream ended without being stopped ('error'…); undefined after a normal stop. */
  readonly failure: string | undefined;
};

/** Why a recording or phone call request was refused, as the user must be told it. */
export type FeatureErrorCode =
  /** Only moderators may do it. */
  | 'not-allowed'
  /** No recorder / phone gateway runs on this server. */
  | 'unavailable'
  /** Every recorder / gateway is busy. */
  | 'busy'
  /** The number is not a phone number. */
  | 'invalid-number'
  | 'failed';

/** A refused recording or call request; `message` is a sentence for the user. */
export type FeatureError = { readonly code: FeatureErrorCode; readonly message: string };

/** A call placed to a phone number from the meeting. */
export type PhoneCallView = {
  /** Local id for `hangUp`. */
  readonly id: string;
  /** The number as typed. */
  readonly number: string;
  /** calling: the gateway dials (ringing); connected: the callee is in the meeting; failed / ended: over. */
  readonly state: 'calling' | 'connected' | 'failed' | 'ended';
  readonly error: FeatureError | undefined;
  /** The callee's participant id once they are in the meeting. */
  readonly participantId: string | undefined;
};

/** How to join by phone: numbers from the operator's list and this room's PIN (config.js `dialInNumbersUrl` / `dialInConfCodeUrl`). */
export type DialInInfo = {
  readonly numbers: readonly { readonly country: string; readonly number: string; readonly tollFree: boolean }[];
  /** Digits the caller types, followed by #. */
  readonly pin: string | undefined;
};

/** What the views read at any time; every event carries a fresh one. */
export type ConferenceSnapshot = {
  readonly state: ConnectionState;
  readonly error: ConferenceError | undefined;
  readonly room: RoomView;
  /** Local first, then remote in join order. */
  readonly participants: readonly ParticipantView[];
  readonly dominantSpeaker: string | undefined;
  /** Whether media goes peer-to-peer (exactly two participants) or through the bridge. */
  readonly mediaPath: 'p2p' | 'bridge' | 'none';
  /** End-to-end encryption (absent from cores without it). */
  readonly e2ee?: E2eeView;
};

export type SpeakerStat = { readonly id: string; readonly displayName: string; readonly speakingMs: number };

/** Something to tell the user briefly (a toast). */
export type Notice = {
  readonly kind: 'info' | 'warning' | 'error';
  readonly text: string;
};

export type ConferenceEvents = {
  /** Anything in the snapshot changed. */
  changed: ConferenceSnapshot;
  chat: ChatMessage;
  notice: Notice;
  ended: EndReason;
};

/** The size a remote video is shown at, so the bridge sends the right simulcast layer. */
export type VideoConstraint = { readonly sourceName: string; readonly maxHeight: number };

export type JoinOptions = {
  readonly displayName: string;
  readonly password?: string;
  readonly startAudioMuted?: boolean;
  readonly startVideoMuted?: boolean;
  /** Log in to `hosts.domain` with a local account (secure domain); without it the core joins anonymously (on `hosts.anonymousdomain` when set). */
  readonly login?: { readonly username: string; readonly password: string };
  /** A Jitsi-style JWT (the link's `?jwt=`): logs in with it on `hosts.domain` and hands it to the focus. */
  readonly token?: string;
};

/** One meeting in one room. Made per room; `join` once. */
export interface Conference {
  readonly snapshot: ConferenceSnapshot;
  on<K extends keyof ConferenceEvents>(event: K, listener: (value: ConferenceEvents[K]) => void): () => void;

  /** Connects, asks the focus, joins the room and starts media. Rejects with a `ConferenceError`. */
  join(options: JoinOptions): Promise<void>;
  /** Retries a join that failed with `password-required`/`password-wrong`. */
  submitPassword(password: string): Promise<void>;
  leave(): Promise<void>;

  setAudioMuted(muted: boolean): Promise<void>;
  setVideoMuted(muted: boolean): Promise<void>;
  /** Asks the browser for a screen and sends it as a second video source; rejects when the user cancels. */
  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;
  /** Switches the camera or microphone in use (device ids from `LocalMedia.devices`). */
  switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void>;
  setDisplayName(name: string): void;
  setHandRaised(raised: boolean): void;
  /** Group chat, or a private message when `to` is an endpoint id. */
  sendChat(text: string, to?: string): void;
  /** Tells the bridge which sources are visible and how big (the views call it when the layout changes). */
  setReceiverConstraints(visible: readonly VideoConstraint[], onStage: readonly string[]): void;
  speakerStats(): readonly SpeakerStat[];

  // Moderators only (the core refuses otherwise with a `not-allowed` notice).
  muteParticipant(id: string, media: 'audio' | 'video'): Promise<void>;
  muteEveryone(media: 'audio' | 'video'): Promise<void>;
  kick(id: string): Promise<void>;
  grantModerator(id: string): Promise<void>;
  /** Locks the room with a password, or unlocks it with undefined. */
  setRoomPassword(password: string | undefined): Promise<void>;
  setLobbyEnabled(enabled: boolean): Promise<void>;
  admitFromLobby(id: string): Promise<void>;
  denyFromLobby(id: string): Promise<void>;
  /** Asks the focus to record the meeting; rejects with a `FeatureError`. `room.recording` follows the focus's announcements. */
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  /** Moderators: streams the meeting live to `target`, an rtmp(s):// URL or a stream key (YouTube's ingest); rejects with a `FeatureError`. `room.liveStream` follows the focus. */
  startLiveStream?(target: string): Promise<void>;
  stopLiveStream?(): Promise<void>;
  /** Calls a phone number into the meeting through the SIP gateway; resolves once the gateway dials, rejects with a `FeatureError`. */
  dialOut(number: string): Promise<void>;
  /** Ends a call placed with `dialOut` (id from `room.phoneCalls`). */
  hangUp(callId: string): Promise<void>;

  /** Numbers and PIN to join by phone; undefined when the server offers no dial-in. */
  dialInInfo(): Promise<DialInInfo | undefined>;
  // End-to-end encryption (optional: cores and fakes without it leave these out).
  /** Moderators: end-to-end encryption on or off for the room. */
  setE2eeEnabled?(enabled: boolean): Promise<void>;
  /** The short authentication string this participant and `id` compare; undefined until known. */
  e2eeSas?(id: string): readonly SasSymbol[] | undefined;
  /** Marks `id` verified (the user compared the SAS) or not. */
  setE2eeVerified?(id: string, verified: boolean): void;
}

/** Camera and microphone before and during the meeting (pre-join preview, device choice). */
export interface LocalMedia {
  /** Current devices (labels are empty until the user granted access once). */
  devices(): Promise<readonly MediaDeviceInfo[]>;
  /** Opens camera and/or microphone; rejects with a `ConferenceError` (`media-denied`, `media-not-found` or `media-failed`) the views can show. */
  open(options: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<MediaStream>;
  readonly stream: MediaStream | undefined;
  /**
   * After an `open` that got only one of camera and microphone (the other absent, busy or refused):
   * `camera-unavailable` or `microphone-unavailable`, for the views to say so; undefined otherwise.
   */
  readonly missing?: ConferenceError | undefined;
  /**
   * Opens the microphone or the camera alone and adds it to `stream` (made if there was none): for
   * one that could not be opened at the start. Rejects with a `ConferenceError` as `open` does.
   */
  add?(kind: 'audio' | 'video'): Promise<MediaStreamTrack>;
  /**
   * Set while `open` runs. The core waits for it before it offers media, so the app can join and
   * open camera and microphone at the same time (both take hundreds of milliseconds).
   */
  readonly opening: Promise<unknown> | undefined;
  close(): void;
}

/**
 * What `client/index.ts` exports for the app entry (`src/app.ts`): one `LocalMedia` per page, one
 * `Conference` per room joined. `config` is `globalThis.config` with the URL overrides applied.
 */
export type CreateLocalMedia = (config: import('../shared/web-config.ts').WebConfig) => LocalMedia;
export type CreateConference = (config: import('../shared/web-config.ts').WebConfig, roomName: string, media: LocalMedia) => Conference;
