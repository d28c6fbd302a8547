#!/usr/bin/env node
// The README's test command: installs missing system prerequisites, type-checks, runs every test
// file in its own process (so servers and ports never leak between files) and ends with one line
// "N passed, N failed" for CI.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const filter = args.find((a) => !a.startsWith('--'));
const concurrency = Number(process.env.PLENUM_TEST_JOBS ?? Math.max(1, Math.min(2, availableParallelism())));
const FILE_TIMEOUT_MS = Number(process.env.PLENUM_TEST_FILE_TIMEOUT_MS ?? 240_000);

function step(title, cmd, cmdArgs) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let passed = 0;
let failed = 0;

if (!args.includes('--no-setup')) {
  if (!step('prerequisites', 'bash', ['scripts/install-test-deps.sh'])) {
    failed++;
    console.log('prerequisites could not be installed (see above)');
  }
}
if (!args.includes('--no-typecheck')) {
  if (step('typecheck', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'])) passed++;
  else failed++;
  // The browser app type-checks with the DOM library and lit's decorators: its own project.
  if (step('typecheck meet-web', 'npx', ['--no-install', 'tsc', '-p', 'packages/meet-web/tsconfig.json'])) passed++;
  else failed++;
  if (step('package boundaries', 'node', ['scripts/check-deps.mjs'])) passed++;
  else failed++;
}

const files = findTests(join(root, 'packages')).concat(findTests(join(root, 'scripts')))
  .filter((f) => filter === undefined || f.includes(filter)).sort();

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n(killed: no result after ${FILE_TIMEOUT_MS} ms)\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      let p = ok;
      let f = total - ok - skipped;
      // A crash, a timeout or a file that ran no test at all is a failure, never silence.
      if (code !== 0 && f === 0) f = 1;
      if (total === 0 && code === 0) f = 1;
      resolve({ file, passed: p, failed: f, output, ms: Date.now() - started });
    });
  });
}

// Files that drive browsers (each runs several Chromium or Firefox instances, enough to fill two
// cores) run one at a time after the others: two of them side by side starve each other's media
// and make real-time assertions (frames decoded, a dominant speaker) depend on the machine's luck.
const isBrowserFile = (f) => /\.browser\.test\.ts$|[\\/]e2e[\\/]|meet-web[\\/]test[\\/]e2ee[\\/]|[\\/]test[\\/]ui[\\/]|chromium|firefox|browser-same-origin/.test(relative(root, f));
const light = files.filter((f) => !isBrowserFile(f));
const heavy = files.filter(isBrowserFile);

/** Browser files that failed once and passed when run again: printed with both outputs and listed at the end. */
const flaky = [];

async function runAll(list, jobs, { retryOnce = false } = {}) {
  const queue = [...list];
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (;;) {
      const file = queue.shift();
      if (file === undefined) return;
      let r = await runFile(file);
      const name = relative(root, file);
      // Real browsers on two shared cores: a browser file gets one more run after a failure, in the
      // open (its failing output is printed and the file is listed as flaky); failing twice fails.
      if (r.failed > 0 && retryOnce) {
        process.stdout.write(`RETRY ${name} (failed once: ${r.passed} passed, ${r.failed} failed, ${r.ms} ms)\n${r.output}\n`);
        r = await runFile(file);
        if (r.failed === 0) flaky.push(name);
      }
      passed += r.passed;
      failed += r.failed;
      if (r.failed > 0) {
        process.stdout.write(`FAIL ${name} (${r.passed} passed, ${r.failed} failed, ${r.ms} ms)\n${r.output}\n`);
      } else {
        process.stdout.write(`ok   ${name} (${r.passed} passed, ${r.ms} ms)\n`);
      }
    }
  }));
}

process.stdout.write(`\n== ${light.length} test files, ${concurrency} at a time\n`);
await runAll(light, concurrency);
process.stdout.write(`\n== ${heavy.length} browser test files, one at a time\n`);
await runAll(heavy, 1, { retryOnce: true });
if (flaky.length > 0) console.log(`flaky (failed once, passed on the second run): ${flaky.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
