import { randomUUID } from 'node:crypto';
import type { El, StreamCondition } from '../../codec/index.ts';
import { parseH, encodeAck, encodeEnabled, encodeFailed } from '../../codec/index.ts';
import type { XmppConfig } from '../config.ts';
import type { ClientSession } from './client-session.ts';

/** What XEP-0198 nonzas on a bound stream need from that stream. */
export type SmNonzaContext = {
  readonly settings: XmppConfig['streamManagement'];
  readonly resumable: Map<string, ClientSession>;
  send(e: El): void;
  streamError(condition: StreamCondition, text?: string): void;
};

/** XEP-0198 §3–4 on a bound stream: enable, ack requests, acks; resume belongs before binding. */
export function handleSmNonza(e: El, session: ClientSession, ctx: SmNonzaContext): void {
  const sm = ctx.settings;
  switch (e.name) {
    case 'enable': {
      if (!sm.enabled || session.sm !== undefined) return ctx.send(encodeFailed('unexpected-request'));
      const id = e.attrs.resume === 'true' || e.attrs.resume === '1' ? randomUUID() : undefined;
      session.enableSm(id, sm.maxUnacked);
      if (id !== undefined) ctx.resumable.set(id, session);
      return ctx.send(encodeEnabled(id, id !== undefined ? sm.resumeTimeoutSeconds : undefined));
    }
    case 'r':
      if (session.sm === undefined) return ctx.streamError('unsupported-stanza-type', 'stream management is not enabled');
      return ctx.send(encodeAck(session.sm.inbound));
    case 'a': {
      const h = parseH(e.attrs.h);
      if (h === undefined || !session.acknowledge(h)) return ctx.streamError('undefined-condition', 'invalid acknowledgement');
      return undefined;
    }
    case 'resume':
      return ctx.send(encodeFailed('unexpected-request'));
    default:
      return ctx.streamError('unsupported-stanza-type', `unknown stream management element <${e.name}/>`);
  }
}
