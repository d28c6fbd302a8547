// Plenum's dial-in directory IQ (its own namespace: Jitsi leaves PIN lookup to an external
// "conference mapper" REST service). Sent as an IQ get to the focus component `focus.<domain>`:
//   by a SIP gateway, `<dial-in xmlns="urn:plenum:dial-in:0" pin="12345678"/>` → the room (and its password);
//   by a room occupant, `<dial-in xmlns=… room="room@conference.…"/>` → the room's PIN.
// The result is `<dial-in pin=… room=… [password=…]/>`.

export const NS_PLENUM_DIAL_IN = 'urn:plenum:dial-in:0';

/** What a decoder accepts: PINs are 4–16 decimal digits; passwords and room JIDs are bounded. */
export const DIAL_IN_LIMITS = { pinMinDigits: 4, pinMaxDigits: 16, password: 256, room: 1024 } as const;

export type DialInQueryByPin = { readonly pin: string };
export type DialInQueryByRoom = { readonly room: string };
/** Exactly one of `pin` or `room`. */
export type DialInQuery = DialInQueryByPin | DialInQueryByRoom;

export type DialInResult = {
  readonly pin: string;
  /** The room's bare JID. */
  readonly room: string;
  /** The room's current password; only in answers to trusted gateways. */
  readonly password?: string;
};

export type DialInCodecErrorCode = 'dial-in/unexpected-element' | 'dial-in/bad-attribute';

/** A decode failure with a stable code (returned, never thrown). */
export type DialInCodecError = { readonly code: DialInCodecErrorCode; readonly text: string };
