// Rayo's wire vocabulary as Jitsi uses it for SIP dial-out (protocols.md §7): the client's `dial` IQ
// to the focus, the gateway's `ref` answer and `hangup`; plus the gateway's `stats` presence in the
// jigasi brewery.

export const NS_RAYO = 'urn:xmpp:rayo:1';
/** Header naming the conference the gateway joins the callee to (the room's bare JID). */
export const RAYO_HEADER_ROOM_NAME = 'JvbRoomName';
/** Header carrying the room's password, when it has one. */
export const RAYO_HEADER_ROOM_PASSWORD = 'JvbRoomPassword';

/** Bounds on what a decoder accepts: a dial is small; anything larger is hostile. */
export const RAYO_LIMITS = { headers: 16, headerName: 64, headerValue: 1024, uri: 1024 } as const;

/** `<dial to from><header name value/>…</dial>`. `to` is a SIP/tel URI or a number; `from` may be empty. */
export type RayoDial = {
  readonly to: string;
  readonly from: string;
  readonly headers: Readonly<Record<string, string>>;
};

/** `<ref uri="xmpp:room@conference…/nick"/>`: the dial result, naming the call's resource. */
export type RayoRef = { readonly uri: string };

/** A gateway's load report in the jigasi brewery (`<stats xmlns="http://jitsi.org/protocol/colibri">`). */
export type JigasiStats = {
  readonly supportsSip: boolean;
  readonly supportsTranscription: boolean;
  readonly gracefulShutdown: boolean;
  /** Calls (SIP participants) in progress. */
  readonly participants: number;
  readonly region?: string;
};

export type RayoCodecErrorCode = 'rayo/unexpected-element' | 'rayo/bad-attribute' | 'rayo/too-large';

/** A decode failure with a stable code (returned, never thrown). */
export type RayoCodecError = { readonly code: RayoCodecErrorCode; readonly text: string };
