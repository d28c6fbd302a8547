// Namespaces of the Jingle stack as Jitsi uses it (protocols.md §2). Re-exported from jingle.ts.

/** XEP-0166 Jingle. */
export const NS_JINGLE = 'urn:xmpp:jingle:1';
/** XEP-0167 RTP sessions (`<description>`, `<payload-type>`, `<rtcp-mux>`). */
export const NS_JINGLE_RTP = 'urn:xmpp:jingle:apps:rtp:1';
/** XEP-0293 RTCP feedback (`<rtcp-fb>`). */
export const NS_JINGLE_RTCP_FB = 'urn:xmpp:jingle:apps:rtp:rtcp-fb:0';
/** XEP-0294 RTP header extensions (`<rtp-hdrext>`, `<extmap-allow-mixed>`). */
export const NS_JINGLE_RTP_HDREXT = 'urn:xmpp:jingle:apps:rtp:rtp-hdrext:0';
/** XEP-0176 ICE-UDP transport. */
export const NS_JINGLE_ICE_UDP = 'urn:xmpp:jingle:transports:ice-udp:1';
/** XEP-0320 DTLS fingerprints. */
export const NS_JINGLE_DTLS = 'urn:xmpp:jingle:apps:dtls:0';
/** XEP-0343 DTLS/SCTP (`<sctpmap>`). */
export const NS_JINGLE_DTLS_SCTP = 'urn:xmpp:jingle:transports:dtls-sctp:1';
/** XEP-0339 source-specific media attributes (`<source>`, `<ssrc-group>`). */
export const NS_JINGLE_SSMA = 'urn:xmpp:jingle:apps:rtp:ssma:0';
/** XEP-0338 grouping (`<group semantics="BUNDLE">`). */
export const NS_JINGLE_GROUPING = 'urn:xmpp:jingle:apps:grouping:0';
/** Jitsi Meet extensions (`<ssrc-info owner>`, `<json-message>`). */
export const NS_JITSI_MEET = 'http://jitsi.org/jitmeet';
/** Colibri's `<web-socket url>` in a transport: the bridge channel. */
export const NS_COLIBRI_WS = 'http://jitsi.org/protocol/colibri';
