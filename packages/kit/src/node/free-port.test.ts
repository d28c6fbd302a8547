// Free ports for a later bind: they lie below the kernel's ephemeral range (an outgoing
// connection's local end cannot take them meanwhile), and the later bind gets them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { freePort, freeUdpPort } from './child-processes.ts';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('TCP: below the ephemeral range, and a server can listen there', async () => {
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    assert.ok(port > 1024 && port < ephemeralLow, `${port} is below ${ephemeralLow}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  }
});

test('UDP: below the ephemeral range, and a socket can bind there', async () => {
  for (let i = 0; i < 5; i++) {
    const port = await freeUdpPort();
    assert.ok(port > 1024 && port < ephemeralLow, `${port} is below ${ephemeralLow}`);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

test.run();
