// Typed failures of the SDP codec and the Jingle ⇄ SDP mapping. Expected failures are values (style C5/C7):
// nothing in jingle-sdp/ throws on bad input.

/** Why an SDP text or a Jingle session could not be converted. */
export type SdpErrorCode =
  /** Input longer than `MAX_SDP_CHARS` (or a generated description would be). */
  | 'sdp/too-large'
  /** More than `MAX_SDP_LINES` lines. */
  | 'sdp/too-many-lines'
  /** A line that is not `<letter>=<value>`, holds control characters, is empty, or sits where it may not. */
  | 'sdp/malformed-line'
  /** A mandatory line (`v=`, `o=`, `s=`, `t=`) is missing or out of order (RFC 8866 §5). */
  | 'sdp/missing-line'
  /** `v=` other than 0. */
  | 'sdp/bad-version'
  /** `o=` without its six fields. */
  | 'sdp/bad-origin'
  /** `t=` without two integers. */
  | 'sdp/bad-timing'
  /** `m=` without media, port, proto and at least one format. */
  | 'sdp/bad-media'
  /** `c=` without net type, address type and address. */
  | 'sdp/bad-connection'
  /** A known attribute (rtpmap, ssrc, candidate, …) whose value does not follow its grammar. */
  | 'sdp/bad-attribute'
  /** A unified-plan media section without `a=mid`. */
  | 'sdp/missing-mid'
  /** Valid SDP this mapping has no Jingle form for (e.g. `a=setup:holdconn`). */
  | 'sdp/unsupported'
  /** A Jingle model or option value that cannot be written as SDP (bad number, whitespace in a token, …). */
  | 'sdp/invalid-input'
  /** `previous` does not describe the same contents in the same order (JSEP forbids reordering m-lines). */
  | 'sdp/layout-mismatch'
  /** An answer content carries more than one track; an answer cannot add m-lines. */
  | 'sdp/too-many-tracks';

/** A failure with its code, a human-readable text and, for parse errors, the 1-based line number. */
export type SdpError = { readonly code: SdpErrorCode; readonly text: string; readonly line?: number };

/** Builds an `SdpError`. */
export const sdpError = (code: SdpErrorCode, text: string, line?: number): SdpError =>
  line === undefined ? { code, text } : { code, text, line };
