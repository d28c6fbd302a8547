// The shared XEP-0114 connection (@plenum/xmpp/component) against Plenum's real server on loopback:
// handshake, IQ requests answered / refused / unanswered, a refused secret (stop or retry), and
// reconnection after the server restarts on the same port.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger } from '@plenum/kit';
import { systemClock } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { ComponentConnection, isComponentError } from '@plenum/xmpp/component';
import type { ComponentOptions } from '@plenum/xmpp/component';
import { startTestServer, TEST_COMPONENT_SECRET } from '@plenum/testkit';

const test = suite('component connection');

const quiet: Logger = {
  trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined,
  child: () => quiet,
};

let n = 0;
const ids = { next: () => `t${++n}` };

function connection(port: number, domain: string, extra: Partial<ComponentOptions> = {}): ComponentConnection {
  return new ComponentConnection({
    log: quiet, clock: systemClock, ids,
    options: { host: '127.0.0.1', port, domain, secret: TEST_COMPONENT_SECRET, reconnectMaxDelayMs: 200, ...extra },
  });
}

const ping = (to: string): El => ({ name: 'iq', attrs: { type: 'get', to }, children: [{ name: 'ping', attrs: { xmlns: 'urn:xmpp:ping' }, children: [] }] });

test('two components connect; a request is answered, a missing one times out, an error is typed', async () => {
  const server = await startTestServer();
  const a = connection(server.componentPort, 'focus.plenum.localhost');
  const b = connection(server.componentPort, 'jvb-1.bridge.plenum.localhost');
  try {
    await Promise.all([a.start(), b.start()]);
    assert.ok(a.isOnline && b.isOnline);
    // b answers pings, ignores everything else.
    b.events.on('stanza', (s) => {
      if (s.name === 'iq' && s.attrs.type === 'get' && s.children.some((c) => typeof c !== 'string' && c.name === 'ping')) {
        b.send({ name: 'iq', attrs: { type: 'result', id: s.attrs.id ?? '', to: s.attrs.from ?? '', from: s.attrs.to ?? '' }, children: [] });
      }
    });
    const reply = await a.request({ ...ping(''), attrs: { type: 'get', to: 'jvb-1.bridge.plenum.localhost', from: 'focus.plenum.localhost' } }, { timeoutMs: 2000 });
    assert.is(reply.attrs.type, 'result');
    const unanswered = a.request({
      name: 'iq', attrs: { type: 'get', to: 'jvb-1.bridge.plenum.localhost', from: 'focus.plenum.localhost' },
      children: [{ name: 'query', attrs: { xmlns: 'urn:example:ignored' }, children: [] }],
    }, { timeoutMs: 150 });
    await unanswered.then(() => assert.unreachable('answered'), (e: unknown) => assert.ok(isComponentError(e, 'timeout'), String(e)));
    // The server answers for an unknown domain: a typed remote error carrying the condition.
    const refused = a.request({ ...ping('nobody.plenum.localhost'), attrs: { type: 'get', to: 'nobody.plenum.localhost', from: 'focus.plenum.localhost' } }, { timeoutMs: 2000 });
    await refused.then(() => assert.unreachable('answered'), (e: unknown) => assert.ok(isComponentError(e, 'remote-error'), String(e)));
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});

test('a wrong secret: start() rejects and stops, or with retryAfterRefusal keeps trying and reports each attempt', async () => {
  const server = await startTestServer();
  const stopping = connection(server.componentPort, 'focus.plenum.localhost', { secret: 'wrong' });
  const retrying = connection(server.componentPort, 'jvb-2.bridge.plenum.localhost', { secret: 'wrong', retryAfterRefusal: true });
  try {
    await stopping.start().then(() => assert.unreachable('accepted'), (e: unknown) => assert.match(String(e), /refused/));
    assert.not.ok(stopping.isOnline);
    const reasons: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`attempts: ${reasons.join(', ')}`)), 5000);
      retrying.events.on('attemptFailed', (r) => {
        reasons.push(r);
        if (reasons.length >= 2) {
          clearTimeout(t);
          resolve();
        }
      });
      void retrying.start();
    });
    assert.match(reasons[0] ?? '', /refused/);
  } finally {
    await stopping.close();
    await retrying.close();
    await server.close();
  }
});

test('after the server restarts on the same port, the connection comes back online by itself', async () => {
  const first = await startTestServer();
  const port = first.componentPort;
  const c = connection(port, 'jvb-3.bridge.plenum.localhost', { retryAfterRefusal: true });
  let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    await c.start();
    const offline = new Promise<void>((r) => c.events.on('offline', () => r()));
    await first.close();
    await offline;
    assert.not.ok(c.isOnline);
    await c.request(ping('plenum.localhost'), { timeoutMs: 500 }).then(
      () => assert.unreachable('sent while offline'),
      (e: unknown) => assert.ok(isComponentError(e, 'disconnected'), String(e)),
    );
    const online = new Promise<void>((r) => c.events.on('online', () => r()));
    second = await startTestServer({ components: { port } });
    await online;
    const reply = await c.request({ ...ping('plenum.localhost'), attrs: { type: 'get', to: 'plenum.localhost', from: 'jvb-3.bridge.plenum.localhost' } }, { timeoutMs: 2000 });
    assert.is(reply.attrs.type, 'result');
  } finally {
    await c.close();
    await second?.close();
  }
});

test.run();
