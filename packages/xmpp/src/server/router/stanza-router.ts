import type { Logger, StanzaErrorBody } from '@plenum/kit';
import type { El, Jid } from '../../codec/index.ts';
import { parseJid, bareJid, errorReply, isErrorStanza } from '../../codec/index.ts';
import type { SessionRegistry } from './session-registry.ts';

/** A service living at a domain inside the server (the MUC services). */
export interface LocalService {
  handle(stanza: El, from: Jid): void;
}

/** Handles stanzas addressed to the server itself (disco, ping, extdisco). */
export interface ServerHandler {
  handle(stanza: El, from: Jid, to: Jid): void;
}

export type StanzaRouterDeps = {
  readonly domains: readonly string[];
  readonly registry: SessionRegistry;
  readonly services: ReadonlyMap<string, LocalService>;
  readonly server: ServerHandler;
  /** True for component domains that have a configured secret: absent ones answer service-unavailable. */
  readonly isKnownComponent: (domain: string) => boolean;
  readonly log: Logger;
};

const SERVICE_UNAVAILABLE: StanzaErrorBody = { type: 'cancel', condition: 'service-unavailable' };

/**
 * Delivers a stanza whose `from` has been stamped and checked by the sending stream
 * (RFC 6120 §8.1.2, §10). There is no server-to-server federation: Plenum is one domain.
 */
export class StanzaRouter {
  readonly #deps: StanzaRouterDeps;
  readonly #localDomains: ReadonlySet<string>;

  constructor(deps: StanzaRouterDeps) {
    this.#deps = deps;
    this.#localDomains = new Set(deps.domains);
  }

  route(stanza: El, from: Jid): void {
    const toAttr = stanza.attrs.to;
    if (toAttr === undefined) {
      // RFC 6120 §10.3: no 'to' means the account's own server handles it on the account's behalf.
      return this.#deps.server.handle(stanza, from, { local: '', domain: from.domain, resource: '' });
    }
    const parsed = parseJid(toAttr);
    if (!parsed.ok) return this.bounce(stanza, { type: 'modify', condition: 'jid-malformed' });
    const to = parsed.value;
    // Canonical form, so every later comparison and lookup is exact.
    const canonical = to.resource === '' ? bareJid(to) : `${bareJid(to)}/${to.resource}`;
    if (canonical !== toAttr) stanza.attrs.to = canonical;

    if (this.#localDomains.has(to.domain)) return this.#toLocal(stanza, from, to);
    const service = this.#deps.services.get(to.domain);
    if (service !== undefined) return service.handle(stanza, from);
    const component = this.#deps.registry.component(to.domain);
    if (component !== undefined) return component.deliver(stanza);
    if (this.#deps.isKnownComponent(to.domain)) return this.bounce(stanza, SERVICE_UNAVAILABLE);
    return this.bounce(stanza, { type: 'cancel', condition: 'remote-server-not-found' });
  }

  /** Answers a stanza with an error, unless it is an error itself or a presence (RFC 6120 §8.3.1, RFC 6121 §4.3). */
  bounce(stanza: El, body: StanzaErrorBody): void {
    if (isErrorStanza(stanza) || stanza.name === 'presence') return;
    const from = stanza.attrs.from;
    if (from === undefined) return;
    const sender = parseJid(from);
    if (!sender.ok) return;
    const reply = errorReply(stanza, body);
    const replyFrom = parseJid(reply.attrs.from ?? this.#deps.domains[0] ?? '');
    if (!replyFrom.ok) reply.attrs.from = this.#deps.domains[0] ?? '';
    this.route(reply, replyFrom.ok ? replyFrom.value : sender.value);
  }

  #toLocal(stanza: El, from: Jid, to: Jid): void {
    if (to.local === '') {
      if (to.resource !== '') return this.bounce(stanza, SERVICE_UNAVAILABLE);
      return this.#deps.server.handle(stanza, from, to);
    }
    const registry = this.#deps.registry;
    if (to.resource !== '') {
      const session = registry.session(stanza.attrs.to as string);
      if (session !== undefined) return session.deliver(stanza);
      // RFC 6121 §8.5.3.2: a chat message to an offline resource goes to the account instead.
      if (stanza.name !== 'message' || stanza.attrs.type === 'groupchat') return this.bounce(stanza, SERVICE_UNAVAILABLE);
    }
    const bare = bareJid(to);
    if (stanza.name === 'iq') {
      // IQs to a bare JID are answered by the server on the account's behalf (RFC 6121 §8.5.2.1.3).
      return this.#deps.server.handle(stanza, from, to);
    }
    let delivered = false;
    for (const s of registry.resources(bare)) {
      s.deliver(stanza);
      delivered = true;
    }
    // No offline storage: a private conversation is never kept on the server.
    if (!delivered && stanza.name === 'message' && stanza.attrs.type !== 'groupchat' && stanza.attrs.type !== 'headline') {
      this.bounce(stanza, SERVICE_UNAVAILABLE);
    }
  }
}
