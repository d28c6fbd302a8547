// HTTPS for hosts other than localhost: a generated self-signed certificate that a client trusting
// it accepts for the server's names, or the operator's PEM files; and settings that are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { connect } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { ConfigError } from '@plenum/kit/node';
import { PlenumError } from '@plenum/kit';
import { createSelfSignedCertificate, loadWebServerConfig } from '../../src/server/index.ts';
import { startTestWebServer } from './web-server.test-helper.ts';

function peerCertificate(port: number): Promise<PeerCertificate & { raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

/** GET over HTTPS trusting only `caPem`, checking the certificate against `servername`. */
function httpsGet(port: number, path: string, caPem: string, servername: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: caPem, servername, headers: { host: `${servername}:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const toPem = (der: Buffer): string => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;

test('tls.selfSigned: HTTPS with a certificate for localhost, 127.0.0.1 and the public name; config.js says wss://', async () => {
  const web = await startTestWebServer({ tls: { selfSigned: true }, publicUrl: 'https://meet.lan:8443' });
  try {
    assert.is(web.isTls, true);
    const cert = await peerCertificate(web.port);
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:meet.lan']) assert.ok(cert.subjectaltname?.includes(name), `${name} in ${cert.subjectaltname}`);
    // A browser that trusts this certificate accepts it for localhost (name, dates, signature).
    const page = await httpsGet(web.port, '/some-room', toPem(cert.raw), 'localhost');
    assert.is(page.status, 200);
    assert.match(page.body, /<script src="\/config\.js"><\/script>/);
    const config = await httpsGet(web.port, '/config.js', toPem(cert.raw), 'localhost');
    assert.match(config.body, new RegExp(`"websocket": "wss://localhost:${web.port}/xmpp-websocket"`));
  } finally {
    await web.close();
  }
});

test('tls.certFile and tls.keyFile: the operator\'s certificate is served; unreadable files stop start-up with a typed error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plenum-web-tls-'));
  try {
    const identity = createSelfSignedCertificate(['meet.example.org'], Date.now());
    writeFileSync(join(dir, 'cert.pem'), identity.certPem);
    writeFileSync(join(dir, 'key.pem'), identity.keyPem);
    const web = await startTestWebServer({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
    try {
      const page = await httpsGet(web.port, '/', identity.certPem, 'meet.example.org');
      assert.is(page.status, 200);
    } finally {
      await web.close();
    }
    try {
      await startTestWebServer({ tls: { certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'key.pem') } });
      assert.unreachable('started without its certificate');
    } catch (error) {
      assert.instance(error, PlenumError);
      assert.is((error as PlenumError).code, 'tls-files');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings that cannot work are refused together, before anything listens', () => {
  try {
    loadWebServerConfig({
      values: { p2p: { stunServers: ['stun.l.google.com:19302'] }, tls: { certFile: '/x.pem' }, publicUrl: 'https://meet.example.org/room', channelLastN: -2 },
    });
    assert.unreachable('bad settings were accepted');
  } catch (error) {
    assert.instance(error, ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['publicUrl', 'channelLastN']) assert.match(problems, key);
  }
  // Cross-field checks run once the fields themselves are valid.
  try {
    loadWebServerConfig({ values: { p2p: { stunServers: ['stun.l.google.com:19302'] }, tls: { certFile: '/x.pem' } } });
    assert.unreachable('bad settings were accepted');
  } catch (error) {
    assert.instance(error, ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    assert.match(problems, 'p2p.stunServers: stun.l.google.com:19302');
    assert.match(problems, 'certFile and keyFile go together');
  }
  const fromEnv = loadWebServerConfig({ env: { PLENUM_WEB_PORT: '9443', PLENUM_WEB_P2P_STUN_SERVERS: 'stun:a.example:3478, turn:b.example', PLENUM_WEB_PREJOIN: 'false' } });
  assert.is(fromEnv.port, 9443);
  assert.equal(fromEnv.p2p.stunServers, ['stun:a.example:3478', 'turn:b.example']);
  assert.is(fromEnv.prejoin, false);
});

test.run();
