// The browser's XMPP client against Plenum's real XMPP server over a loopback WebSocket (here in
// Node with `ws` standing in for the browser's WebSocket): anonymous and password login, messages
// between two clients, a dropped WebSocket resumed without losing a stanza in either direction,
// the keep-alive ping, and an unreachable server as a typed error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket as NodeWebSocket } from 'ws';
import type { El } from '@plenum/xmpp/codec';
import { el, serialize, text, child } from '@plenum/xmpp/codec';
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import type { WebSocketFactory } from '../../src/client/xmpp/xmpp-connection.ts';
import { XmppConnection, XmppError } from '../../src/client/xmpp/xmpp-connection.ts';

/** `ws` as the browser's WebSocket, recording every frame the client sends. */
function recordingFactory(sent: string[]): WebSocketFactory {
  return (url, protocols) => {
    const ws = new NodeWebSocket(url, protocols);
    const send = ws.send.bind(ws);
    (ws as unknown as { send: (d: string) => void }).send = (d: string) => {
      sent.push(d);
      send(d);
    };
    return ws as unknown as WebSocket;
  };
}

async function withServer(fn: (server: RunningXmppServer, url: string, users: MemoryUserStore) => Promise<void>): Promise<void> {
  const users = new MemoryUserStore();
  const server = await startXmppServer({
    values: { tcp: { port: 0 }, http: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' } },
    users,
  });
  try {
    await fn(server, `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, users);
  } finally {
    await server.close();
  }
}

function connection(url: string, extra: Partial<ConstructorParameters<typeof XmppConnection>[0]> = {}, sent: string[] = []): XmppConnection {
  return new XmppConnection({ url, domain: 'plenum.localhost', webSocket: recordingFactory(sent), ...extra });
}

function nextStanza(c: XmppConnection, match: (e: El) => boolean, timeoutMs = 3000): Promise<El> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no matching stanza'));
    }, timeoutMs);
    const off = c.onStanza((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

function status(c: XmppConnection, want: string, timeoutMs = 5000): Promise<void> {
  if (c.status === want) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`status stayed ${c.status}, wanted ${want}`)), timeoutMs);
    const off = c.onStatus((s) => {
      if (s !== want) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

const chat = (to: string, body: string): El => el('message', { to, type: 'chat' }, el('body', {}, body));

test('anonymous login binds a JID whose node starts with 8 hex characters, with resumable stream management', async () => {
  await withServer(async (_server, url) => {
    const c = connection(url);
    try {
      const jid = await c.connect();
      assert.match(jid, /^[0-9a-f]{8}[^@]*@plenum\.localhost\/.+$/);
      assert.is(c.status, 'online');
      assert.ok(c.resumable);
    } finally {
      await c.close();
    }
  });
});

test('two clients exchange messages; a dropped WebSocket resumes and no stanza is lost either way', async () => {
  await withServer(async (_server, url) => {
    const a = connection(url);
    const b = connection(url);
    try {
      const aJid = await a.connect();
      const bJid = await b.connect();
      const first = nextStanza(b, (e) => e.name === 'message');
      a.send(chat(bJid, 'hello'));
      assert.is(text(child(await first, 'body')), 'hello');

      a.dropSocket();
      assert.is(a.status, 'resuming');
      // While A is away: B writes to A, A queues a message to B.
      b.send(chat(aJid, 'while you were away'));
      const toB = nextStanza(b, (e) => e.name === 'message' && text(child(e, 'body')) === 'sent while resuming');
      a.send(chat(bJid, 'sent while resuming'));
      const toA = nextStanza(a, (e) => e.name === 'message');
      await status(a, 'online');
      assert.is(a.jid, aJid, 'same session after resume');
      assert.is(text(child(await toA, 'body')), 'while you were away');
      await toB;
      // The resumed stream still works for IQs.
      const disco = await a.request(el('iq', { type: 'get', to: 'plenum.localhost' }, el('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      assert.is(disco.attrs.type, 'result');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

test('an idle connection pings the server and stays online', async () => {
  await withServer(async (_server, url) => {
    const sent: string[] = [];
    const c = connection(url, { pingIntervalMs: 150 }, sent);
    try {
      await c.connect();
      await new Promise((r) => setTimeout(r, 700));
      const pings = sent.filter((s) => s.includes('urn:xmpp:ping'));
      assert.ok(pings.length >= 1, `no ping sent: ${sent.join('\n')}`);
      assert.is(c.status, 'online');
    } finally {
      await c.close();
    }
  });
});

test('password login (PLAIN) binds the account; a wrong password is auth-failed', async () => {
  await withServer(async (_server, url, users) => {
    await users.add('alice', 'secret-pw');
    const good = connection(url, { credentials: { username: 'alice', password: 'secret-pw' } });
    try {
      assert.match(await good.connect(), /^alice@plenum\.localhost\//);
    } finally {
      await good.close();
    }
    const bad = connection(url, { credentials: { username: 'alice', password: 'nope' } });
    try {
      await bad.connect();
      assert.unreachable('wrong password accepted');
    } catch (error) {
      assert.instance(error, XmppError);
      assert.is((error as XmppError).code, 'xmpp/auth-failed');
    } finally {
      await bad.close();
    }
  });
});

test('an unreachable server is a typed xmpp/unreachable error', async () => {
  const c = connection('ws://127.0.0.1:1/xmpp-websocket');
  try {
    await c.connect();
    assert.unreachable('connected to nothing');
  } catch (error) {
    assert.instance(error, XmppError, serialize(el('x')));
    assert.is((error as XmppError).code, 'xmpp/unreachable');
    assert.is(c.status, 'offline');
  }
});

test.run();
