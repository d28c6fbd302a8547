// The recorder's bridge-channel client against a real `ws` WebSocketServer on 127.0.0.1 standing in
// for the bridge's /colibri-ws/ endpoint (the bridge itself is exercised end to end in
// test/recording-height.browser.test.ts): the constraints go out on open and again after the server drops
// the connection, garbage from the server breaks nothing, close() stops the reconnecting, and the
// URL's password is never logged.
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { LogFields, Logger } from '@plenum/kit';
import { decodeBridgeMessage } from '@plenum/xmpp/codec';
import { BridgeChannelClient, recorderVideoConstraints, redactedChannelUrl } from './bridge-channel.ts';

const PWD = 'sEcReT-ice-pwd';

/** A logger that keeps every line as text. */
function capturingLogger(lines: string[], bound: LogFields = {}): Logger {
  const line = (level: string) => (msg: string, fields?: LogFields): void => {
    lines.push(`${level} ${msg} ${JSON.stringify({ ...bound, ...fields })}`);
  };
  return {
    trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'),
    child: (fields) => capturingLogger(lines, { ...bound, ...fields }),
  };
}

/** The stand-in bridge: every connection and every text message it got, in order. */
async function fakeBridge(): Promise<{ server: WebSocketServer; url: string; sockets: WebSocket[]; messages: string[]; paths: string[] }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const sockets: WebSocket[] = [];
  const messages: string[] = [];
  const paths: string[] = [];
  server.on('connection', (ws, req) => {
    sockets.push(ws);
    paths.push(req.url ?? '');
    ws.on('message', (data) => messages.push(String(data)));
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `ws://127.0.0.1:${port}/colibri-ws/jvb-1/conf-1/rec-ep?pwd=${PWD}`, sockets, messages, paths };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('sends ReceiverVideoConstraints on open and on every reopen, survives garbage, stops after close, never logs the password', async () => {
  const bridge = await fakeBridge();
  const lines: string[] = [];
  const channel = BridgeChannelClient.open({
    url: bridge.url, constraints: recorderVideoConstraints(720), log: capturingLogger(lines), retryMinMs: 100, retryMaxMs: 400,
  });
  try {
    await until('first constraints', () => bridge.messages.length === 1);
    assert.is(bridge.paths[0], `/colibri-ws/jvb-1/conf-1/rec-ep?pwd=${PWD}`, 'the offer\'s URL, password included, is what is opened');
    const first = decodeBridgeMessage(bridge.messages[0] ?? '');
    assert.ok(first.ok, 'a valid bridge-channel message');
    assert.equal(first.value, { colibriClass: 'ReceiverVideoConstraints', lastN: -1, defaultConstraints: { maxHeight: 720 } });

    // Garbage from the bridge: not JSON, binary, an unknown class, a bad field; then a valid ServerHello.
    const ws = bridge.sockets[0] as WebSocket;
    ws.send('{not json');
    ws.send(Buffer.from([0, 1, 2, 3]));
    ws.send('{"colibriClass":"SomethingNew"}');
    ws.send('{"colibriClass":"ForwardedSources","forwardedSources":7}');
    ws.send('{"colibriClass":"ServerHello"}');
    await until('the bridge\'s messages are read', () => channel.received + channel.ignored === 5);
    assert.equal([channel.received, channel.ignored], [1, 4], 'one valid message, four ignored');
    assert.ok(channel.isOpen, 'garbage does not close the channel');

    // The bridge drops the connection (as when it restarts the endpoint's channel): the client comes back and says it again.
    ws.terminate();
    await until('reconnected with the constraints', () => bridge.messages.length === 2);
    assert.is(bridge.messages[1], bridge.messages[0], 'the same constraints on the reopen');
    assert.is(channel.opens, 2);
    bridge.sockets[1]?.close(1001, 'going away');
    await until('reconnected again', () => bridge.messages.length === 3);

    // Closed: the bridge sees it go, and it does not come back (the retry would be due within 400 ms).
    channel.close();
    await until('the server sees the close', () => bridge.sockets.every((s) => s.readyState === s.CLOSED));
    await sleep(1_000);
    assert.is(bridge.sockets.length, 3, 'no reconnect after close');
    assert.ok(lines.length > 0, 'the channel logged');
    assert.not.ok(lines.some((l) => l.includes(PWD)), `the password is never logged:\n${lines.join('\n')}`);
  } finally {
    channel.close();
    for (const s of bridge.sockets) s.terminate();
    await new Promise((r) => bridge.server.close(r));
  }
});

test('a bridge that is down at first is retried with backoff until it comes up', async () => {
  const bridge = await fakeBridge();
  const { port } = bridge.server.address() as AddressInfo;
  await new Promise((r) => bridge.server.close(r));
  const lines: string[] = [];
  const channel = BridgeChannelClient.open({ url: bridge.url, constraints: recorderVideoConstraints(360), log: capturingLogger(lines), retryMinMs: 100, retryMaxMs: 200 });
  let revived: WebSocketServer | undefined;
  try {
    await until('a few refused attempts', () => lines.filter((l) => l.includes('reconnecting')).length >= 3);
    const messages: string[] = [];
    revived = new WebSocketServer({ host: '127.0.0.1', port });
    revived.on('connection', (ws) => ws.on('message', (d) => messages.push(String(d))));
    await until('constraints once the bridge is up', () => messages.length === 1);
    const got = decodeBridgeMessage(messages[0] ?? '');
    assert.ok(got.ok && got.value.colibriClass === 'ReceiverVideoConstraints' && got.value.defaultConstraints?.maxHeight === 360);
    assert.not.ok(lines.some((l) => l.includes(PWD)), 'the password is never logged');
  } finally {
    channel.close();
    for (const c of revived?.clients ?? []) c.terminate();
    await new Promise((r) => (revived === undefined ? r(undefined) : revived.close(r)));
  }
});

test('the logged URL has no query', () => {
  assert.is(redactedChannelUrl(`wss://meet.example.org/colibri-ws/a/b/c?pwd=${PWD}`), 'wss://meet.example.org/colibri-ws/a/b/c');
  assert.is(redactedChannelUrl('::'), '(not a URL)');
});

test.run();
