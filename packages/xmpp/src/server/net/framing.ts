import type { El, XmlError, XmlLimits } from '../../codec/index.ts';
import { XmlStreamParser, serialize, serializeOpenTag, el, parseXml, NS_STREAMS, NS_FRAMING } from '../../codec/index.ts';

/** Attributes of the stream header a peer sent (RFC 6120 §4.7). */
export type StreamOpen = { readonly to: string | undefined; readonly from: string | undefined; readonly version: string | undefined; readonly xmlns: string | undefined; readonly streamNs: string | undefined };

/** Events from the input side of a framing. */
export type FramingHandlers = {
  onOpen(open: StreamOpen): void;
  onElement(element: El): void;
  onClose(): void;
  onError(error: XmlError): void;
};

/**
 * The difference between RFC 6120 TCP streams and RFC 7395 WebSocket framing: how a stream
 * opens and closes, and whether each element must carry its namespace.
 */
export interface Framing {
  write(chunk: string): void;
  /** Stream restart after SASL success or STARTTLS. */
  reset(): void;
  openStream(attrs: { from: string; id: string; to: string | undefined; xmlns: string }): string;
  closeStream(): string;
  element(e: El): string;
}

const openAttrs = (e: El): StreamOpen => ({
  to: e.attrs.to, from: e.attrs.from, version: e.attrs.version, xmlns: e.attrs.xmlns, streamNs: e.attrs['xmlns:stream'],
});

/** Classic XML stream over TCP. */
export class TcpFraming implements Framing {
  readonly #parser: XmlStreamParser;

  constructor(handlers: FramingHandlers, limits: XmlLimits) {
    this.#parser = new XmlStreamParser('stream', {
      onOpen: (root) => {
        if (root.name !== 'stream:stream') return handlers.onError({ condition: 'not-well-formed', text: 'expected stream:stream' });
        handlers.onOpen(openAttrs(root));
      },
      onElement: handlers.onElement,
      onClose: handlers.onClose,
      onError: handlers.onError,
    }, limits);
  }

  write(chunk: string): void {
    this.#parser.write(chunk);
  }

  reset(): void {
    this.#parser.reset();
  }

  openStream(attrs: { from: string; id: string; to: string | undefined; xmlns: string }): string {
    return "<?xml version='1.0'?>" + serializeOpenTag(el('stream:stream', {
      from: attrs.from, id: attrs.id, to: attrs.to, version: '1.0', 'xml:lang': 'en', xmlns: attrs.xmlns, 'xmlns:stream': NS_STREAMS,
    }));
  }

  closeStream(): string {
    return '</stream:stream>';
  }

  element(e: El): string {
    return serialize(e);
  }
}

/** RFC 7395: every message is one element; `<open/>` and `<close/>` replace the stream tags. */
export class WsFraming implements Framing {
  readonly #handlers: FramingHandlers;
  readonly #limits: XmlLimits;
  readonly #contentNs: string;
  #failed = false;

  constructor(handlers: FramingHandlers, limits: XmlLimits, contentNs: string) {
    this.#handlers = handlers;
    this.#limits = limits;
    this.#contentNs = contentNs;
  }

  write(chunk: string): void {
    if (this.#failed) return;
    const r = parseXml(chunk, this.#limits);
    if (!r.ok) {
      this.#failed = true;
      return this.#handlers.onError(r.error);
    }
    const e = r.value;
    if (e.attrs.xmlns === NS_FRAMING && e.name === 'open') return this.#handlers.onOpen({ ...openAttrs(e), xmlns: this.#contentNs, streamNs: NS_STREAMS });
    if (e.attrs.xmlns === NS_FRAMING && e.name === 'close') return this.#handlers.onClose();
    if (e.name === 'stream:stream') {
      this.#failed = true;
      return this.#handlers.onError({ condition: 'not-well-formed', text: 'RFC 7395 framing uses <open/>, not stream:stream' });
    }
    // RFC 7395 §3.3.3: elements carry their namespace; a stanza without one is in jabber:client.
    this.#handlers.onElement(e);
  }

  reset(): void {
    // Each frame is parsed on its own; nothing carries over a restart.
  }

  openStream(attrs: { from: string; id: string; to: string | undefined; xmlns: string }): string {
    return serialize(el('open', { xmlns: NS_FRAMING, from: attrs.from, id: attrs.id, to: attrs.to, version: '1.0', 'xml:lang': 'en' }));
  }

  closeStream(): string {
    return serialize(el('close', { xmlns: NS_FRAMING }));
  }

  element(e: El): string {
    if (e.attrs.xmlns !== undefined) {
      // stream:features and stream:error need the prefix declared in every frame.
      return serialize(e);
    }
    if (e.name.startsWith('stream:')) return serialize({ name: e.name, attrs: { ...e.attrs, 'xmlns:stream': NS_STREAMS }, children: e.children });
    return serialize({ name: e.name, attrs: { xmlns: this.#contentNs, ...e.attrs }, children: e.children });
  }
}
