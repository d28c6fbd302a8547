// A raw XEP-0114 component on a WireClient: for tests that stand in for the focus or a bridge on
// the wire (against our server or Prosody) and need every stanza in their hands.
import { createHash } from 'node:crypto';
import { WireClient } from './wire-client.ts';

/** Connects to a component port and completes the XEP-0114 §3 handshake as `domain`. */
export async function connectComponent(port: number, domain: string, secret: string, opts: { readonly host?: string; readonly timeoutMs?: number } = {}): Promise<WireClient> {
  const c = await WireClient.tcp(port, opts.host);
  try {
    c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    // The stream header is not an element the client can wait for: look for it until the deadline.
    while (c.streamHeaders.length === 0) {
      if (c.isClosed || Date.now() > deadline) throw new Error(`component ${domain}: no stream header; got ${c.received.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const id = c.streamHeaders[0]?.attrs.id ?? '';
    c.send(`<handshake>${createHash('sha1').update(id + secret).digest('hex')}</handshake>`);
    const reply = await c.next((e) => e.name === 'handshake' || e.name === 'stream:error', opts.timeoutMs ?? 5000, 'handshake');
    if (reply.name !== 'handshake') throw new Error(`component ${domain} refused`);
    return c;
  } catch (error) {
    c.close();
    throw error;
  }
}
