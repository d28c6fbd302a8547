import type { Logger } from '@plenum/kit';
import type { El, Jid, DiscoItem } from '../../codec/index.ts';
import type { ExternalService } from '../../codec/index.ts';
import {
  bareJid, iqPayload, iqResult, errorReply, encodeDiscoInfo, encodeDiscoItems, encodeExternalServices, readExternalServicesRequest,
  NS_DISCO_INFO, NS_DISCO_ITEMS, NS_EXTDISCO_2, NS_PING,
} from '../../codec/index.ts';
import type { ServerHandler } from '../router/stanza-router.ts';

export type ServerHandlerDeps = {
  readonly log: Logger;
  /** Sends a reply back through the router. */
  readonly send: (stanza: El) => void;
  /** Disco items of the server: MUC services and connected components. */
  readonly items: () => readonly DiscoItem[];
  /** Extra disco identities other parts register (Jitsi optional components, later issues). */
  readonly identities: () => readonly { category: string; type: string; name?: string }[];
  /**
   * XEP-0215: the operator's STUN/TURN servers with fresh credentials (turn-credentials.ts); Jitsi's
   * client asks right after login. None by default: never a third party's.
   */
  readonly externalServices: () => readonly ExternalService[];
};

/** Answers IQs addressed to the server or, on an account's behalf, to a bare JID. */
export class ServerIqHandler implements ServerHandler {
  readonly #deps: ServerHandlerDeps;

  constructor(deps: ServerHandlerDeps) {
    this.#deps = deps;
  }

  handle(stanza: El, _from: Jid, to: Jid): void {
    if (stanza.name !== 'iq') return; // presence and messages to the server need no answer here
    const type = stanza.attrs.type;
    if (type !== 'get' && type !== 'set') return;
    const payload = iqPayload(stanza);
    if (payload === undefined) return this.#deps.send(errorReply(stanza, { type: 'modify', condition: 'bad-request' }));
    const ns = payload.attrs.xmlns;
    const isServer = to.local === '';
    if (stanza.attrs.to === undefined) stanza.attrs.to = bareJid(to);
    if (type === 'get' && payload.name === 'ping' && ns === NS_PING) return this.#deps.send(iqResult(stanza));
    if (type === 'get' && payload.name === 'query' && ns === NS_DISCO_INFO && payload.attrs.node === undefined) {
      const info = isServer
        ? {
          identities: [{ category: 'server', type: 'im', name: 'Plenum' }, ...this.#deps.identities()],
          features: [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_EXTDISCO_2, 'urn:xmpp:sm:3'],
        }
        : { identities: [{ category: 'account', type: 'registered' }], features: [NS_DISCO_INFO] };
      return this.#deps.send(iqResult(stanza, encodeDiscoInfo(info)));
    }
    if (type === 'get' && payload.name === 'query' && ns === NS_DISCO_ITEMS && payload.attrs.node === undefined) {
      return this.#deps.send(iqResult(stanza, encodeDiscoItems(isServer ? this.#deps.items() : [])));
    }
    const servicesRequest = isServer && type === 'get' ? readExternalServicesRequest(payload) : undefined;
    if (servicesRequest !== undefined) {
      const wanted = servicesRequest.type;
      const services = this.#deps.externalServices().filter((s) => wanted === undefined || s.type === wanted);
      return this.#deps.send(iqResult(stanza, encodeExternalServices(services, servicesRequest.ns)));
    }
    this.#deps.send(errorReply(stanza, { type: 'cancel', condition: 'service-unavailable' }));
  }
}
