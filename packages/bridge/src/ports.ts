// What the bridge needs from the outside (style C8). The real implementation is
// xmpp/component-link.ts (XEP-0114 on @plenum/xmpp/component); tests may inject a fake.
import type { TypedEmitter } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';

/** Events of the XMPP connection. */
export type XmppLinkEvents = {
  /** The component handshake succeeded (again, after a reconnect). */
  online: [];
  /** The connection dropped or was closed. */
  offline: [];
  /** A presence stanza arrived (the brewery's). */
  presence: [El];
  /** An IQ result or error arrived (answers to the bridge's own requests). */
  iqReply: [El];
};

/** The bridge's connection to the XMPP server. IQ requests are answered inside the link. */
export interface XmppLink {
  readonly events: TypedEmitter<XmppLinkEvents>;
  readonly isOnline: boolean;
  start(): void;
  /** Sends a stanza; dropped (and logged at debug) while offline. */
  send(stanza: El): void;
  close(): Promise<void>;
}
