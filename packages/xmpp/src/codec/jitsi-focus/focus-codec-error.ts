// Errors of the Jitsi focus codecs (conference IQ, mute IQ, start-muted): plain values with a
// stable code, returned in a Result, never thrown (house style C5, C7). The focus maps every one of
// them to a `bad-request` stanza error.

/** Why a focus-protocol element was refused. */
export type FocusCodecErrorCode =
  | 'focus/unexpected-element'
  | 'focus/bad-room'
  | 'focus/bad-property'
  | 'focus/bad-attribute'
  | 'focus/missing-jid'
  | 'focus/bad-jid'
  | 'focus/bad-mute';

/** A decode failure with a stable code and a human-readable text. */
export type FocusCodecError = { readonly code: FocusCodecErrorCode; readonly text: string };
