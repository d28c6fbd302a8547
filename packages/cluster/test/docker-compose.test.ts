// docker-compose.yml as Docker Compose itself reads it (`docker-compose config`, the Debian
// package; containers cannot run here): the split deployment's services exist, the required
// secrets are really required, the bridge service can be scaled (host network, no fixed ports), the
// recorder too (no ports, a nick per container from deploy/service-entrypoint.mjs, run here for
// real), and the SIP gateway publishes SIP and RTP on loopback unless told otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REQUIRED = {
  PLENUM_FOCUS_SECRET: 'focus-secret', PLENUM_BRIDGE_SECRET: 'bridge-secret', PLENUM_PUBLIC_IP: '192.0.2.10', PLENUM_TURN_SECRET: 'turn-secret',
  PLENUM_RECORDER_SECRET: 'recorder-secret', PLENUM_SIP_SECRET: 'sip-secret',
};

function compose(args: readonly string[], vars: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLENUM_')) env[k] = v;
  const r = spawnSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), ...args], { cwd: ROOT, env: { ...env, ...vars }, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`docker-compose could not run (scripts/install-test-deps.sh installs it): ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The lines of one service's block in `config` output (two-space indented under `services:`). */
function serviceBlock(config: string, name: string): string {
  const lines = config.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  assert.ok(start >= 0, `service ${name} in the resolved config`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^ {0,2}\S/.test(l));
  return rest.slice(0, end === -1 ? undefined : end).join('\n');
}

test('docker-compose config accepts the file and lists every service of the split deployment', () => {
  const services = compose(['config', '--services'], REQUIRED);
  assert.is(services.status, 0, services.stderr);
  assert.equal(services.stdout.trim().split('\n').sort(), ['bridge', 'coturn', 'focus', 'recorder', 'redis', 'sip-gateway', 'web', 'xmpp']);
  const volumes = compose(['config', '--volumes'], REQUIRED);
  assert.equal(volumes.stdout.trim().split('\n').sort(), ['recordings', 'redis-data', 'xmpp-data']);
});

test('the resolved services carry the environment-driven configuration', () => {
  const r = compose(['config'], { ...REQUIRED, PLENUM_DOMAIN: 'meet.example.org' });
  assert.is(r.status, 0, r.stderr);
  const bridge = serviceBlock(r.stdout, 'bridge');
  assert.match(bridge, /network_mode: host/, 'bridges use the host network (scalable, real ports)');
  assert.not.match(bridge, /\n\s+ports:/, 'no fixed published port that two replicas would fight over');
  assert.match(bridge, /PLENUM_BRIDGE_PUBLIC_ADDRESS: 192\.0\.2\.10/);
  assert.match(bridge, /PLENUM_BRIDGE_XMPP_BREWERY_JID: jvbbrewery@internal\.meet\.example\.org/);
  assert.match(serviceBlock(r.stdout, 'xmpp'), /PLENUM_XMPP_COMPONENTS_SECRETS: focus\.meet\.example\.org=focus-secret,\*\.bridge\.meet\.example\.org=bridge-secret/);
  assert.match(serviceBlock(r.stdout, 'focus'), /PLENUM_FOCUS_COMPONENT_SECRET: focus-secret/);
  assert.match(serviceBlock(r.stdout, 'coturn'), /--static-auth-secret=turn-secret/);
  assert.match(serviceBlock(r.stdout, 'web'), /published: 8080|127\.0\.0\.1:8080:8080/);
});

test('the recorder and the SIP gateway: component secrets, breweries of the domain, recordings volume, SIP and RTP published on loopback', () => {
  const r = compose(['config'], { ...REQUIRED, PLENUM_DOMAIN: 'meet.example.org', PLENUM_SIP_INBOUND_ALLOW_LIST: '198.51.100.0/24' });
  assert.is(r.status, 0, r.stderr);
  const xmpp = serviceBlock(r.stdout, 'xmpp');
  assert.match(xmpp, /PLENUM_XMPP_COMPONENTS_SECRETS: .*,recorder\.meet\.example\.org=recorder-secret,sip\.meet\.example\.org=sip-secret/);
  assert.match(xmpp, /PLENUM_XMPP_LOBBY_WHITELIST: recorder\.meet\.example\.org,sip\.meet\.example\.org/);
  const focus = serviceBlock(r.stdout, 'focus');
  assert.match(focus, /PLENUM_FOCUS_RECORDING_BREWERY_JID: jibribrewery@internal\.meet\.example\.org/);
  assert.match(focus, /PLENUM_FOCUS_DIAL_OUT_BREWERY_JID: jigasibrewery@internal\.meet\.example\.org/);
  assert.match(focus, /PLENUM_FOCUS_MODERATION_TRUSTED_SERVICE_DOMAINS: recorder\.meet\.example\.org,sip\.meet\.example\.org/);

  const recorder = serviceBlock(r.stdout, 'recorder');
  assert.match(recorder, /PLENUM_RECORDER_COMPONENT_SECRET: recorder-secret/);
  assert.match(recorder, /PLENUM_RECORDER_COMPONENT_HOST: xmpp/);
  assert.match(recorder, /PLENUM_RECORDER_BREWERY_JID: jibribrewery@internal\.meet\.example\.org/);
  assert.match(recorder, /source: recordings\n\s+target: \/app\/recordings|recordings:\/app\/recordings/, 'recordings on the volume');
  assert.not.match(recorder, /\n\s+ports:/, 'no published port: `--scale recorder=N` cannot clash');
  assert.not.match(recorder, /PLENUM_RECORDER_NICK:/, 'no fixed nick: each replica makes its own');
  assert.match(recorder, /deploy\/service-entrypoint\.mjs\n\s+- PLENUM_RECORDER_NICK\n\s+- recorder\n/);

  const gateway = serviceBlock(r.stdout, 'sip-gateway');
  assert.match(gateway, /PLENUM_SIP_COMPONENT_SECRET: sip-secret/);
  assert.match(gateway, /PLENUM_SIP_BREWERY_JID: jigasibrewery@internal\.meet\.example\.org/);
  assert.match(gateway, /PLENUM_SIP_SIP_PUBLIC_HOST: 192\.0\.2\.10/);
  assert.match(gateway, /PLENUM_SIP_SIP_INBOUND_ALLOW_LIST: 198\.51\.100\.0\/24/);
  for (const port of ['5060:5060/udp', '5060:5060/tcp', '20000:20000/udp', '20099:20099/udp']) assert.ok(gateway.includes(`127.0.0.1:${port}`), `${port} published on loopback`);
  assert.not.ok(gateway.includes('20100:'), 'the RTP range ends where the gateway\'s rtp.portMax does');
  const open = compose(['config'], { ...REQUIRED, PLENUM_SIP_BIND: '0.0.0.0' });
  assert.ok(serviceBlock(open.stdout, 'sip-gateway').includes('0.0.0.0:5060:5060/udp'), 'PLENUM_SIP_BIND opens it');
});

test('deploy/service-entrypoint.mjs gives each replica a nick from its host name, passes the environment and the exit code on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plenum-entry-'));
  try {
    const main = join(dir, 'main.mjs');
    writeFileSync(main, 'process.stdout.write(process.env.PLENUM_RECORDER_NICK ?? "unset"); process.exitCode = 3;\n');
    const run = (vars: Record<string, string>) => spawnSync(process.execPath, [join(ROOT, 'deploy', 'service-entrypoint.mjs'), 'PLENUM_RECORDER_NICK', 'recorder', main], {
      cwd: ROOT, env: { ...process.env, ...vars }, encoding: 'utf8',
    });
    const own = run({});
    assert.is(own.status, 3, 'the component\'s exit code');
    assert.match(own.stdout, /^recorder-[a-z0-9][a-z0-9-]*$/);
    assert.ok(own.stdout.length <= 31, 'within the nick syntax');
    assert.ok(own.stdout.startsWith(`recorder-${hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 31).replace(/-+$/, '')), own.stdout);
    assert.is(run({ PLENUM_RECORDER_NICK: 'recorder-east' }).stdout, 'recorder-east', 'a nick set by the operator stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing secret stops docker-compose with its name instead of starting with an empty one', () => {
  for (const name of Object.keys(REQUIRED)) {
    const vars: Record<string, string> = { ...REQUIRED };
    delete vars[name];
    const r = compose(['config', '--services'], vars);
    assert.is.not(r.status, 0, `${name} is required`);
    assert.match(r.stderr, new RegExp(name));
  }
});

test.run();
