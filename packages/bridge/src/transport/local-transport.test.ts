import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOST_CANDIDATE_PRIORITY, TCP_PASSIVE_HOST_CANDIDATE_PRIORITY, colibriWebSocketUrl, newLocalTransport } from './local-transport.ts';

const config = {
  bridgeId: 'a1', publicAddress: '203.0.113.7', udpPort: 10000, webSocketBaseUrl: 'wss://meet.example.com',
  fingerprint: { hash: 'sha-256', value: 'AA:BB' },
};
let n = 0;
const random = (length: number): string => String(++n).padStart(length, 'x');

test('one host candidate on the public port, actpass fingerprint, rtcp-mux, web-socket with the ICE pwd', () => {
  const t = newLocalTransport(config, random, 'meet-1', '1a2b3c4d');
  assert.equal(t, {
    ufrag: 'xxxxxxx1', pwd: 'xxxxxxxxxxxxxxxxxxxxxxx2',
    fingerprints: [{ hash: 'sha-256', setup: 'actpass', value: 'AA:BB' }],
    candidates: [{ foundation: '1', component: 1, protocol: 'udp', priority: 2130706431, ip: '203.0.113.7', port: 10000, type: 'host', generation: 0, id: 'xxxxxxx11', network: 0 }],
    rtcpMux: true,
    webSocketUrl: 'wss://meet.example.com/colibri-ws/a1/meet-1/1a2b3c4d?pwd=xxxxxxxxxxxxxxxxxxxxxxx2',
  });
  assert.is(HOST_CANDIDATE_PRIORITY, 2130706431, 'RFC 8445 host priority for component 1');
});

test('with ICE-TCP on: a passive TCP host candidate after the UDP one, with a lower priority (RFC 6544 §4.2)', () => {
  const t = newLocalTransport({ ...config, tcpPort: 4443 }, random, 'meet-1', '1a2b3c4d');
  assert.equal(t.candidates.map((c) => [c.foundation, c.protocol, c.ip, c.port, c.type, c.tcpType, c.priority]), [
    ['1', 'udp', '203.0.113.7', 10000, 'host', undefined, 2130706431],
    // 126·2^24 + (2^13·4 + 8191)·2^8 + 255: host type preference, passive direction preference 4.
    ['2', 'tcp', '203.0.113.7', 4443, 'host', 'passive', 2124414975],
  ]);
  assert.is(TCP_PASSIVE_HOST_CANDIDATE_PRIORITY, 2124414975);
  assert.ok(TCP_PASSIVE_HOST_CANDIDATE_PRIORITY < HOST_CANDIDATE_PRIORITY);
});

test('ids are URL-encoded in the bridge channel path', () => {
  assert.is(colibriWebSocketUrl(config, 'a b/c', 'e?', 'p+w'), 'wss://meet.example.com/colibri-ws/a1/a%20b%2Fc/e%3F?pwd=p%2Bw');
});

test.run();
