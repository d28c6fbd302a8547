// The typed SDP model (RFC 8866 lines) used by parseSdp/writeSdp. Every line keeps its position, so
// unknown lines and attributes survive a round trip; the attributes WebRTC needs are typed.

/** RFC 8866 §6.7 media direction. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** RFC 4145 / RFC 8842 `a=setup` role. */
export type SdpSetupRole = 'actpass' | 'active' | 'passive' | 'holdconn';

/** RFC 8866 §5.2 `o=`. Ids stay strings: browsers use 64-bit values. */
export type SdpOrigin = {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
};

/** RFC 8839 §5.1 `a=candidate`; `extensions` are the name/value pairs after `typ` (raddr, rport, tcptype, generation, network-id, …) in order. */
export type SdpCandidate = {
  readonly foundation: string;
  readonly component: number;
  readonly transport: string;
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: string;
  readonly extensions: readonly { readonly name: string; readonly value: string }[];
};

/** One `a=fmtp` parameter; `name` is '' for bare values such as RED's `111/111` or `0-15`. */
export type SdpFmtpParameter = { readonly name: string; readonly value: string };

/** A typed `a=` line. Attributes this model does not know are `raw` and keep their exact text. */
export type SdpAttribute =
  /** RFC 5888 `a=group:BUNDLE 0 1 2`. */
  | { readonly kind: 'group'; readonly semantics: string; readonly mids: readonly string[] }
  /** `a=msid-semantic: WMS *`; `leadingSpace` keeps Chrome's space after the colon. */
  | { readonly kind: 'msid-semantic'; readonly semantic: string; readonly tokens: readonly string[]; readonly leadingSpace: boolean }
  /** RFC 8285 §6 `a=extmap-allow-mixed`. */
  | { readonly kind: 'extmap-allow-mixed' }
  /** RFC 8843 `a=mid`. */
  | { readonly kind: 'mid'; readonly mid: string }
  /** `a=rtpmap:111 opus/48000/2`. */
  | { readonly kind: 'rtpmap'; readonly payloadType: number; readonly encoding: string; readonly clockRate: number; readonly channels?: number }
  /** `a=fmtp:111 minptime=10;useinbandfec=1`. */
  | { readonly kind: 'fmtp'; readonly payloadType: number; readonly parameters: readonly SdpFmtpParameter[] }
  /** RFC 4585 `a=rtcp-fb:100 nack pli`; `subtype` is everything after the type. */
  | { readonly kind: 'rtcp-fb'; readonly payloadType: number | '*'; readonly type: string; readonly subtype?: string }
  /** RFC 8285 `a=extmap:2/recvonly uri [attributes]`. */
  | { readonly kind: 'extmap'; readonly id: number; readonly direction?: SdpDirection; readonly uri: string; readonly extensionAttributes?: string }
  | { readonly kind: 'ice-ufrag'; readonly value: string }
  | { readonly kind: 'ice-pwd'; readonly value: string }
  | { readonly kind: 'ice-options'; readonly options: readonly string[] }
  /** RFC 8122 `a=fingerprint:sha-256 AB:CD:…`. */
  | { readonly kind: 'fingerprint'; readonly hash: string; readonly value: string }
  | { readonly kind: 'setup'; readonly role: SdpSetupRole }
  | { readonly kind: 'candidate'; readonly candidate: SdpCandidate }
  | { readonly kind: 'rtcp-mux' }
  /** RFC 5576 `a=ssrc:1234 cname:x`; `value` is absent when the line has no colon after the attribute. */
  | { readonly kind: 'ssrc'; readonly ssrc: number; readonly attribute: string; readonly value?: string }
  /** RFC 5576 `a=ssrc-group:FID 1 2`. */
  | { readonly kind: 'ssrc-group'; readonly semantics: string; readonly ssrcs: readonly number[] }
  /** RFC 8830 `a=msid:stream track`. */
  | { readonly kind: 'msid'; readonly streamId: string; readonly trackId?: string }
  | { readonly kind: 'direction'; readonly direction: SdpDirection }
  /** RFC 8841 `a=sctp-port`. */
  | { readonly kind: 'sctp-port'; readonly port: number }
  /** RFC 8841 `a=max-message-size`. */
  | { readonly kind: 'max-message-size'; readonly sizeBytes: number }
  /** Anything else (a=rid, a=simulcast, a=rtcp, a=rtcp-rsize, a=cryptex, …): `a=name` or `a=name:value`, verbatim. */
  | { readonly kind: 'raw'; readonly name: string; readonly value?: string };

/** One line of a session or media section, in its original position. */
export type SdpLine =
  | SdpAttribute
  /** `c=IN IP4 0.0.0.0`. */
  | { readonly kind: 'connection'; readonly netType: string; readonly addrType: string; readonly address: string }
  /** `t=0 0` (session level only). */
  | { readonly kind: 'timing'; readonly start: number; readonly stop: number }
  /** Any other line type (b=, i=, k=, …) verbatim. */
  | { readonly kind: 'line'; readonly type: string; readonly value: string };

/** A media section: the `m=` line and the lines under it. */
export type SdpMedia = {
  readonly media: string;
  readonly port: number;
  readonly portCount?: number;
  readonly proto: string;
  readonly formats: readonly string[];
  readonly lines: readonly SdpLine[];
};

/** A whole session description (`v=0` is implied). */
export type Sdp = {
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  /** Session-level lines after `s=` (t=, c=, a=, …) in order. */
  readonly session: readonly SdpLine[];
  readonly media: readonly SdpMedia[];
};

/** The line of one kind, narrowed. */
export type SdpLineOf<K extends SdpLine['kind']> = Extract<SdpLine, { readonly kind: K }>;
