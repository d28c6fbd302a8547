import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyPassword } from './credentials.ts';
import { FileUserStore } from './user-store.ts';

const SHIM = fileURLToPath(new URL('../../../bin/plenum-xmpp.mjs', import.meta.url));
const PASSWORD = 'sw0rdfish-and-chips';

type Run = { status: number | null; stdout: string; stderr: string };

/** Runs the real command, as an operator would, with a clean PLENUM_XMPP_* environment. */
function cli(cwd: string, args: string[], input = '', env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLENUM_XMPP_')));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SHIM, ...args], { cwd, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function passwordWorks(path: string, username: string, password: string): Promise<boolean> {
  const store = await FileUserStore.open(path);
  assert.ok(store.ok);
  const user = store.value.get(username);
  return user !== undefined && verifyPassword(user.password, password);
}

const test = suite('plenum-xmpp user (CLI)');
let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'plenum-cli-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('add, list, passwd, remove with --password-stdin and --users-file', async () => {
  const file = join(dir, 'data', 'users.json');
  const add = await cli(dir, ['user', 'add', 'Alice', '--password-stdin', '--users-file', file], `${PASSWORD}\n`);
  assert.equal([add.status, add.stdout, add.stderr], [0, 'added alice\n', '']);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.not.ok(readFileSync(file, 'utf8').includes(PASSWORD), 'the file never holds the password');
  assert.ok(await passwordWorks(file, 'alice', PASSWORD));

  const [second, duplicate] = await Promise.all([
    cli(dir, ['user', 'add', 'bob', '--users-file', file], 'hunter2\r\n'),
    cli(dir, ['user', 'add', 'alice', '--password-stdin', `--users-file=${file}`], 'other\n'),
  ]);
  assert.is(second.status, 0);
  assert.ok(await passwordWorks(file, 'bob', 'hunter2'), 'CRLF is not part of the password');
  assert.equal([duplicate.status, duplicate.stderr], [1, 'plenum-xmpp: that user already exists: alice\n']);

  const list = await cli(dir, ['user', 'list', '--users-file', file]);
  assert.equal([list.status, list.stdout], [0, 'alice\nbob\n']);

  const passwd = await cli(dir, ['user', 'passwd', 'alice', '--password-stdin', '--users-file', file], 'a new one\n');
  assert.is(passwd.status, 0);
  assert.ok(await passwordWorks(file, 'alice', 'a new one'));
  assert.not.ok(await passwordWorks(file, 'alice', PASSWORD));

  const [remove, missing] = await Promise.all([
    cli(dir, ['user', 'remove', 'ALICE', '--users-file', file]),
    cli(dir, ['user', 'remove', 'carol', '--users-file', file]),
  ]);
  assert.equal([remove.status, remove.stdout], [0, 'removed alice\n']);
  assert.equal([missing.status, missing.stderr], [1, 'plenum-xmpp: no such user: carol\n']);
  assert.is((await cli(dir, ['user', 'list', '--users-file', file])).stdout, 'bob\n');
});

test('the users file defaults to PLENUM_XMPP_AUTH_USERS_FILE, then .data/users.json', async () => {
  const [fromEnv, fromDefault] = await Promise.all([
    cli(dir, ['user', 'add', 'erin', '--password-stdin'], `${PASSWORD}\n`, { PLENUM_XMPP_AUTH_USERS_FILE: 'env-users.json' }),
    cli(dir, ['user', 'add', 'frank', '--password-stdin'], `${PASSWORD}\n`),
  ]);
  assert.is(fromEnv.status, 0, fromEnv.stderr);
  assert.is(fromDefault.status, 0, fromDefault.stderr);
  assert.ok(await passwordWorks(join(dir, 'env-users.json'), 'erin', PASSWORD));
  assert.ok(await passwordWorks(join(dir, '.data', 'users.json'), 'frank', PASSWORD));
});

test('mistakes: usage errors exit 2, refused requests exit 1, with a message', async () => {
  const file = join(dir, 'users.json');
  const runs = await Promise.all([
    cli(dir, []),
    cli(dir, ['user', 'frobnicate']),
    cli(dir, ['user', 'add']),
    cli(dir, ['user', 'add', 'a', 'b', '--users-file', file]),
    cli(dir, ['user', 'list', '--bogus']),
    cli(dir, ['user', 'list', '--users-file']),
    cli(dir, ['user', 'add', 'not@valid', '--password-stdin', '--users-file', file], 'pw\n'),
    cli(dir, ['user', 'add', 'gina', '--password-stdin', '--users-file', file], ''),
    cli(dir, ['user', 'passwd', 'nobody', '--password-stdin', '--users-file', file], 'pw\n'),
    cli(dir, ['user', 'list'], '', { PLENUM_XMPP_AUTH_JWT_CLOCK_SKEW_SECONDS: 'soon' }),
  ]);
  assert.equal(runs.map((r) => r.status), [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
  for (const r of runs) assert.ok(r.stderr.startsWith('plenum-xmpp: '), r.stderr);
  assert.ok(runs[6]?.stderr.includes('not a valid username'));
  assert.ok(runs[7]?.stderr.includes('no password'));
  assert.ok(runs[9]?.stderr.includes('PLENUM_XMPP_AUTH_JWT_CLOCK_SKEW_SECONDS'));
  const help = await cli(dir, ['--help']);
  assert.equal([help.status, help.stdout.startsWith('usage: plenum-xmpp user')], [0, true]);
});

test.run();
