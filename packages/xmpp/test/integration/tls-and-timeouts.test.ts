// STARTTLS with a real certificate (made by openssl for the test), PLAIN only after it, and the
// idle and authentication timeouts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { connect } from 'node:net';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { MemoryUserStore } from '@plenum/xmpp/server';
import type { El } from '@plenum/xmpp/codec';
import { XmlStreamParser, child, text } from '@plenum/xmpp/codec';
import { WireClient, startTestServer } from '@plenum/testkit';

const test = suite<{ server: RunningXmppServer; dir: string }>('tls and timeouts');

test.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'plenum-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=plenum.localhost',
    '-keyout', join(ctx.dir, 'key.pem'), '-out', join(ctx.dir, 'cert.pem')], { stdio: 'ignore' });
  const users = new MemoryUserStore();
  await users.add('alice', 'secret-password');
  ctx.server = await startTestServer({
    tls: { certFile: join(ctx.dir, 'cert.pem'), keyFile: join(ctx.dir, 'key.pem') },
    limits: { idleTimeoutSeconds: 5, authTimeoutSeconds: 1 },
  }, { users });
});
test.after(async (ctx) => {
  await ctx.server.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** A minimal stream reader over any duplex, so the same code reads before and after TLS. */
function reader(onElement: (e: El) => void) {
  let parser = new XmlStreamParser('stream', { onElement, onError: () => undefined }, { maxElementBytes: 1 << 20, maxDepth: 64, maxAttributes: 64 });
  return {
    write: (d: string) => parser.write(d),
    reset: () => {
      parser = new XmlStreamParser('stream', { onElement, onError: () => undefined }, { maxElementBytes: 1 << 20, maxDepth: 64, maxAttributes: 64 });
    },
  };
}

const OPEN = `<?xml version='1.0'?><stream:stream to='plenum.localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

test('STARTTLS upgrades the stream; PLAIN is offered and accepted only after it', async ({ server }) => {
  const inbox: El[] = [];
  let wake: (() => void) | undefined;
  const r = reader((e) => {
    inbox.push(e);
    wake?.();
  });
  const nextEl = async (name: string): Promise<El> => {
    for (let i = 0; i < 200; i++) {
      const idx = inbox.findIndex((e) => e.name === name);
      if (idx !== -1) return inbox.splice(idx, 1)[0] as El;
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, 20);
      });
    }
    throw new Error(`no <${name}>`);
  };
  const plain = connect(server.tcpPort, '127.0.0.1');
  plain.setEncoding('utf8');
  plain.on('data', (d: string) => r.write(d));
  await new Promise((res) => plain.once('connect', res));
  plain.write(OPEN);
  const before = await nextEl('stream:features');
  assert.ok(child(before, 'starttls', 'urn:ietf:params:xml:ns:xmpp-tls'), 'STARTTLS offered');
  const mechsBefore = (child(before, 'mechanisms')?.children ?? []).map((m) => (typeof m === 'string' ? m : text(m)));
  assert.not.ok(mechsBefore.includes('PLAIN'), 'no PLAIN before TLS');
  plain.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
  await nextEl('proceed');
  plain.removeAllListeners('data');
  const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'plenum.localhost' });
  await new Promise((res) => secure.once('secureConnect', res));
  assert.is(secure.getPeerCertificate().subject?.CN, 'plenum.localhost');
  secure.setEncoding('utf8');
  r.reset();
  secure.on('data', (d: string) => r.write(d));
  secure.write(OPEN);
  const after = await nextEl('stream:features');
  assert.not.ok(child(after, 'starttls'), 'no second STARTTLS');
  const mechsAfter = (child(after, 'mechanisms')?.children ?? []).map((m) => (typeof m === 'string' ? m : text(m)));
  assert.ok(mechsAfter.includes('PLAIN'), mechsAfter.join(','));
  secure.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0alice\0secret-password').toString('base64')}</auth>`);
  await nextEl('success');
  secure.destroy();
});

test('a stream that does not authenticate in time is closed with connection-timeout', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  c.open();
  assert.is(await c.streamError(4000), 'connection-timeout');
  await c.closed();
});

test('a bound stream that stays silent past the idle timeout is closed', async ({ server }) => {
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  const talker = await WireClient.tcp(server.tcpPort);
  await talker.loginAnonymous();
  // The talker pings every second and must survive; the silent one must not.
  const pinger = setInterval(() => talker.send(`<iq type='get' id='k' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`), 1000);
  try {
    assert.is(await c.streamError(9000), 'connection-timeout');
    assert.not.ok(talker.isClosed, 'an active stream is not closed');
  } finally {
    clearInterval(pinger);
    talker.close();
  }
});

test.run();
