// Shared setup of the bridge's L2 tests: our XMPP server in-process, the bridge, and a fake focus
// speaking raw XEP-0114 through WireClient, so the tests read like the wire.
import { createHash } from 'node:crypto';
import type { TypedEmitter } from '@plenum/kit';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import type { El, ConferenceModify } from '@plenum/xmpp/codec';
import { child, children, el, serialize, encodeConferenceModify } from '@plenum/xmpp/codec';
import { WireClient } from '@plenum/testkit';
import type { RunningBridge } from '../../src/index.ts';
import { startBridge } from '../../src/index.ts';

export const BREWERY = 'jvbbrewery@internal.plenum.localhost';
export const FOCUS_DOMAIN = 'focus.plenum.localhost';
export const BRIDGE_SECRET = 's1';
export const FOCUS_SECRET = 's2';

/** Our server with the wildcard bridge secret and the focus's secret, on free loopback ports. */
export function startServer(): Promise<RunningXmppServer> {
  return startXmppServer({
    values: {
      tcp: { port: 0 }, http: { port: 0 },
      components: { port: 0, secrets: [`*.bridge.plenum.localhost=${BRIDGE_SECRET}`, `${FOCUS_DOMAIN}=${FOCUS_SECRET}`] },
      log: { level: 'silent' },
    },
    users: new MemoryUserStore(),
  });
}

type Values = { [key: string]: unknown };
function merge(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null ? merge(prev as Values, v as Values) : v;
  }
  return out;
}

/** A bridge with fast stats, room for four endpoints and a free UDP port; `values` override like a config file. */
export function startTestBridge(server: RunningXmppServer, values: Values = {}): Promise<RunningBridge> {
  return startBridge({
    values: merge({
      id: 'a1', xmpp: { port: server.componentPort, secret: BRIDGE_SECRET, reconnectDelayMs: 100 }, http: { port: 0 }, public: { udpPort: 0 },
      statsIntervalMs: 100, maxEndpoints: 4, log: { level: 'silent' },
    }, values),
  });
}

/** Resolves with the arguments of the next `event`, or fails after `timeoutMs`. */
export function waitFor<E extends { [K in keyof E]: unknown[] }, K extends keyof E>(emitter: TypedEmitter<E>, event: K, timeoutMs = 3000): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, timeoutMs);
    const off = emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** A raw component (the fake focus, or an impostor) after its XEP-0114 handshake. */
export async function componentClient(server: RunningXmppServer, domain: string, secret: string): Promise<WireClient> {
  const c = await WireClient.tcp(server.componentPort);
  c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
  for (let i = 0; i < 200 && c.streamHeaders.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const id = c.streamHeaders[0]?.attrs.id ?? '';
  c.send(`<handshake>${createHash('sha1').update(id + secret).digest('hex')}</handshake>`);
  await c.nextNamed('handshake');
  return c;
}

export const statusCodes = (p: El): string[] =>
  children(child(p, 'x', 'http://jabber.org/protocol/muc#user') ?? p, 'status').map((s) => s.attrs.code ?? '');

/**
 * Joins `room` as `nick` from `from`; resolves once the room shows real JIDs to everyone (status 100
 * on entering, or the 172 notice after the bridge reconfigured it), unless `waitNonAnonymous` is false.
 */
export async function joinRoom(c: WireClient, from: string, room: string, nick: string, waitNonAnonymous = true): Promise<El> {
  c.send(el('presence', { from, to: `${room}/${nick}` }, el('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  const self = await c.next((e) => e.name === 'presence' && e.attrs.from === `${room}/${nick}`, 3000, `self-presence in ${room}`);
  if (self.attrs.type === 'error') throw new Error(`join refused: ${serialize(self)}`);
  if (waitNonAnonymous && !statusCodes(self).includes('100')) {
    await c.next((e) => e.name === 'message' && e.attrs.from === room && statusCodes(e).includes('172'), 3000, 'room made non-anonymous');
  }
  return self;
}

let nextId = 0;

/** Sends a conference-modify IQ set and resolves with the reply stanza (result or error). */
export async function modify(c: WireClient, from: string, to: string, m: ConferenceModify): Promise<El> {
  const id = `c2-${++nextId}`;
  c.send(el('iq', { from, to, type: 'set', id }, encodeConferenceModify(m)));
  return c.next((e) => e.name === 'iq' && e.attrs.id === id, 3000, `reply to ${id}`);
}

/** Sends any IQ and waits for its reply. */
export async function request(c: WireClient, from: string, to: string, type: 'get' | 'set', payload: El): Promise<El> {
  const id = `q-${++nextId}`;
  c.send(el('iq', { from, to, type, id }, payload));
  return c.next((e) => e.name === 'iq' && e.attrs.id === id, 3000, `reply to ${id}`);
}

/** GET on the bridge's HTTP port: status and parsed JSON body. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.json() };
}
