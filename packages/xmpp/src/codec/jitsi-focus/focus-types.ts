// Jitsi's focus protocol (protocols.md §1.1, §8.5): the conference request and its reply, and the
// mute IQs, as plain data.

export const NS_FOCUS = 'http://jitsi.org/protocol/focus';
export const NS_MUTE_AUDIO = 'http://jitsi.org/jitmeet/audio';
export const NS_MUTE_VIDEO = 'http://jitsi.org/jitmeet/video';
export const NS_MUTE_DESKTOP = 'http://jitsi.org/jitmeet/desktop';

/** `<conference xmlns=focus room machine-uid session-id token>` with `<property name value>` children (client → focus). */
export type ConferenceRequest = {
  readonly room: string;
  readonly machineUid?: string;
  readonly sessionId?: string;
  readonly token?: string;
  readonly properties: Readonly<Record<string, string>>;
};

/** The focus's reply: `ready`, `focusjid` (lower case), optional session id, identity, vnode, properties. */
export type ConferenceResponse = {
  readonly room: string;
  readonly ready: boolean;
  readonly focusJid?: string;
  readonly sessionId?: string;
  readonly identity?: string;
  readonly vnode?: string;
  readonly properties: Readonly<Record<string, string>>;
};

/** `<mute xmlns=…/jitmeet/audio|video|desktop jid actor>true|false</mute>`. */
export type MuteRequest = {
  readonly media: 'audio' | 'video' | 'desktop';
  /** The occupant JID to mute (`room@conference/<endpoint>`). */
  readonly jid: string;
  readonly mute: boolean;
  readonly actor?: string;
};
