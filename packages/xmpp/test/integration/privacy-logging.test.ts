// Logs never carry a client's IP address unless the operator asks for it (privacy by default).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { createPinoLogger } from '@plenum/kit/node';
import { WireClient, startTestServer } from '@plenum/testkit';

const test = suite('privacy in logs');

function capture(): { sink: Writable; lines: () => string } {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { sink, lines: () => out };
}

async function session(ipAddresses: boolean): Promise<string> {
  const { sink, lines } = capture();
  const log = createPinoLogger({ level: 'debug', component: 'xmpp', destination: sink });
  const server = await startTestServer({ log: { level: 'debug', ipAddresses } }, { log });
  const c = await WireClient.tcp(server.tcpPort);
  await c.loginAnonymous();
  c.send(`<message to='x@plenum.localhost' type='chat'><body>secret words</body></message>`);
  c.send(`<iq type='get' id='p' to='plenum.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  await c.nextNamed('iq', 'p');
  c.close();
  await c.closed();
  await server.close();
  return lines();
}

test('by default no log line holds the client address or a message body', async () => {
  const logs = await session(false);
  assert.ok(logs.includes('session bound'), 'the log is not empty');
  assert.not.ok(logs.includes('127.0.0.1'), 'no IP address');
  assert.not.ok(logs.includes('secret words'), 'no message body');
});

test('with log.ipAddresses the operator sees addresses', async () => {
  const logs = await session(true);
  assert.ok(logs.includes('127.0.0.1'));
});

test.run();
