// The dialog layer's contract with the rest of the gateway: a call is a SIP dialog in either
// direction. The gateway sees only SDP strings and events; transactions, retransmissions, session
// timers (RFC 4028) and digest authentication stay inside src/sip.
import type { TypedEmitter } from '@plenum/kit';
import type { SipError } from './sip-error.ts';

/** Why a call ended, for logs and for the conference side. */
export type CallEndReason = 'remote-bye' | 'remote-cancel' | 'local' | 'session-expired' | 'no-ack' | 'transport-error' | 'rejected';

export type SipCallEvents = {
  /** The dialog is over (BYE either way, CANCEL, expiry…); emitted once. */
  ended: [reason: CallEndReason];
  /** A SIP INFO in the dialog (DTMF by application/dtmf-relay or application/dtmf); already answered 200. */
  info: [contentType: string, body: string];
};

/** A party as its SIP header named it. */
export type SipParty = {
  readonly uri: string;
  readonly displayName: string | undefined;
  /** The user part of the URI (a phone number for most trunks). */
  readonly user: string | undefined;
};

/** One dialog, inbound or outbound. */
export interface SipCall {
  readonly callId: string;
  readonly direction: 'inbound' | 'outbound';
  /** The other side: From of an inbound call, To of an outbound one. */
  readonly remote: SipParty;
  /** The latest SDP the other side sent (offer or answer). */
  readonly remoteSdp: string | undefined;
  readonly events: TypedEmitter<SipCallEvents>;
  /** Ends the call as its state requires (BYE once confirmed, CANCEL/487 before); idempotent. */
  hangup(): void;
  /**
   * Answers a re-INVITE or UPDATE with SDP (hold, resume, a new address): return our answer, or a
   * SipError (488) to refuse it. Without a handler the current local SDP is sent back.
   */
  setReofferHandler(handler: (offerSdp: string) => string | SipError): void;
}

/** An INVITE the gateway has not answered yet (100 Trying is already sent). */
export interface IncomingCall extends SipCall {
  readonly requestUri: string;
  /** A header of the INVITE, case-insensitive name, e.g. `Jitsi-Conference-Room`. */
  header(name: string): string | undefined;
  /** The INVITE's SDP offer; undefined for a late offer (then `accept` sends an offer and resolves with the ACK's answer). */
  readonly offerSdp: string | undefined;
  /** 180 Ringing. */
  ringing(): void;
  /** 200 OK with `sdp`; resolves on the ACK (with its SDP, if any), rejects with SipError if no ACK arrives (the call then ends `no-ack`). */
  accept(sdp: string): Promise<string | undefined>;
  /** A final non-2xx answer (e.g. 404, 486, 488, 603). */
  reject(status: number, reason?: string): void;
}

/** A call the gateway places (dial-out through the trunk). */
export type OutgoingCallRequest = {
  /** Request-URI, e.g. `sip:+15551234@trunk.example.net:5060`: its host is the next hop. */
  readonly target: string;
  readonly from: { readonly uri: string; readonly displayName?: string };
  /** Our SDP offer. */
  readonly sdp: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Digest credentials for a trunk that challenges (401/407). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** No final answer by then → CANCEL and a 408 SipError. Default 60 s. */
  readonly timeoutMs?: number;
  readonly onProgress?: (status: number) => void;
  /**
   * Gives up on the call while it rings: CANCEL (§9.1: once a provisional response has come,
   * else as soon as one does) and a 487 SipError. Ignored once answered (hang the call up instead).
   */
  readonly signal?: AbortSignal;
};
