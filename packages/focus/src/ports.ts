// What the focus needs from the outside (style C8). Real implementations: @plenum/xmpp/component (the
// XEP-0114 connection), bridge-client/ (COLIBRI2 over that connection), auth/ (JWT); tests inject fakes.
import type { Result } from '@plenum/kit';
import type { El, ConferenceModify, ConferenceModified, Colibri2ErrorReason } from '@plenum/xmpp/codec';
import type { RequestOptions } from '@plenum/xmpp/component';

/** How long a request may take, and an optional way to give up earlier. */
export type { RequestOptions };

/**
 * The focus's link to the XMPP server. `request` sends an IQ get/set and resolves with the `result`
 * stanza; it rejects with a typed error (FocusError codes): `remote-error` (the peer answered with an error, the reply is
 * the cause), `timeout`, or `disconnected`.
 */
export interface StanzaChannel {
  send(stanza: El): void;
  request(iq: El, opts: RequestOptions): Promise<El>;
}

/** A bridge as the focus addresses it: its brewery nickname and occupant JID (protocols.md §3). */
export type BridgeAddress = { readonly id: string; readonly jid: string };

/** Why a COLIBRI2 request failed, carried as the `cause` of a `bridge-failed` FocusError. */
export type BridgeFailure =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'colibri'; readonly reason: Colibri2ErrorReason }
  | { readonly kind: 'error'; readonly condition: string };

/** COLIBRI2 (protocols.md §3): one conference-modify, answered by conference-modified. */
export interface BridgeControl {
  /** Rejects with FocusError `bridge-failed` whose cause is a BridgeFailure. */
  modify(bridge: BridgeAddress, request: ConferenceModify, opts: RequestOptions): Promise<ConferenceModified>;
}

/** What the focus keeps of a verified token (protocols.md §8.1). */
export type VerifiedToken = {
  /** The `room` claim ('*' = any room). */
  readonly room: string;
  readonly userId?: string;
  readonly name?: string;
  /** `context.user.moderator`, when the token says. */
  readonly isModerator?: boolean;
  /** `exp` in epoch milliseconds. */
  readonly expiresAtMs: number;
};

/** Why a token was refused; `text` is short and never contains the token. */
export type TokenError = { readonly code: string; readonly text: string };

/** Verifies the `token` attribute of conference requests with the XMPP server's JWT settings. */
export interface TokenVerifier {
  verify(token: string): Result<VerifiedToken, TokenError>;
}

/** Random identifiers (Jingle sid, bridge-session id, stanza ids). */
export interface Ids {
  next(): string;
}
