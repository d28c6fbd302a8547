import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKET_PROCESS_NODE_FLAGS, limitsYoungGeneration } from './node-flags.ts';

// A child that allocates a churn of short-lived objects (as packet handling does) and reports the
// size V8 gave its young generation.
const CHURN = `const v8 = require('v8'); let keep = [];
for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: [i] }); if (keep.length > 20000) keep = []; }
process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));`;

const youngGenerationBytes = (flags: readonly string[]): number =>
  Number(execFileSync(process.execPath, [...flags, '-e', CHURN], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));

test('the packet-process flags cap the young generation V8 grows under allocation churn', () => {
  const capped = youngGenerationBytes(PACKET_PROCESS_NODE_FLAGS);
  const uncapped = youngGenerationBytes([]);
  // Two semi-spaces of at most 2 MB each.
  assert.ok(capped <= 4 * 2 ** 20, `young generation ${capped} B with ${PACKET_PROCESS_NODE_FLAGS.join(' ')}`);
  assert.ok(uncapped > capped, `without the flags V8 grew it to ${uncapped} B, not more than ${capped} B`);
});

test('limitsYoungGeneration sees the limit on the command line or in NODE_OPTIONS, in either spelling', () => {
  assert.ok(limitsYoungGeneration(['--max-semi-space-size=2'], ''));
  assert.ok(limitsYoungGeneration(['--import', 'tsx'], '--max_semi_space_size=4 --enable-source-maps'));
  assert.not.ok(limitsYoungGeneration(['--import', 'tsx'], ''));
  assert.not.ok(limitsYoungGeneration(['--max-old-space-size=512'], '--max-semi-space-sizes=2'));
});

test('every launcher of a bridge or SIP gateway passes the flags (npm scripts, docker entrypoint and compose)', () => {
  const root = new URL('../../../../', import.meta.url);
  const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
  const flags = PACKET_PROCESS_NODE_FLAGS.join(' ');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  for (const name of ['start', 'start:sip-gateway']) assert.match(scripts[name] ?? '', `node ${flags} `, `npm run ${name}`);
  for (const flag of PACKET_PROCESS_NODE_FLAGS) assert.match(read('deploy/bridge-entrypoint.mjs'), `'${flag}'`, 'deploy/bridge-entrypoint.mjs');
  // The sip-gateway service's block: up to the next service (a key indented by two spaces).
  const compose = read('docker-compose.yml');
  const rest = compose.slice(compose.indexOf('\n  sip-gateway:') + 1);
  const next = rest.slice(1).search(/\n  [a-z][\w-]*:\n/);
  assert.match(next === -1 ? rest : rest.slice(0, next + 1), `NODE_OPTIONS: ${flags}`, 'docker-compose sip-gateway');
});

test.run();
