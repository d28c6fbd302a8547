// docker-compose.yml as Docker Compose itself reads it (`docker-compose config`, the Debian
// package; containers cannot run here): the split deployment's services exist, the required
// secrets are really required, and the bridge service can be scaled (host network, no fixed ports).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REQUIRED = { PLENUM_FOCUS_SECRET: 'focus-secret', PLENUM_BRIDGE_SECRET: 'bridge-secret', PLENUM_PUBLIC_IP: '192.0.2.10', PLENUM_TURN_SECRET: 'turn-secret' };

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
  assert.equal(services.stdout.trim().split('\n').sort(), ['bridge', 'coturn', 'focus', 'redis', 'web', 'xmpp']);
  const volumes = compose(['config', '--volumes'], REQUIRED);
  assert.equal(volumes.stdout.trim().split('\n').sort(), ['redis-data', 'xmpp-data']);
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
