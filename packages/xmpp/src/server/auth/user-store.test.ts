import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBase64 } from './base64.ts';
import { deriveScramCredential, verifyPassword } from './credentials.ts';
import type { UserStore } from './user-store.ts';
import { FileUserStore, MemoryUserStore, normaliseUsername } from './user-store.ts';

const PASSWORD = 'Tr0ub4dor&3-very-secret';
const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

async function openFile(path: string): Promise<FileUserStore> {
  const r = await FileUserStore.open(path);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
}

/** The behaviour both stores share. */
async function contract(store: UserStore): Promise<void> {
  assert.is(code(await store.add('Alice', PASSWORD)), 'ok');
  assert.is(store.get('alice')?.username, 'alice');
  assert.is(store.get('ALICE')?.username, 'alice');
  assert.is(code(await store.add('alice', 'x')), 'exists');
  assert.is(code(await store.add('bob@example.com', 'x')), 'invalid-username');
  assert.is(code(await store.add('', 'x')), 'invalid-username');
  assert.is(code(await store.add('0f8e2c1a-5b3d-4e7f-9a1b-2c3d4e5f6a7b', 'x')), 'invalid-username', 'UUID-shaped names are reserved for guests');
  assert.is(code(await store.add('carol', '')), 'invalid-password');
  assert.is(code(await store.add('carol', 'bell\u0007')), 'invalid-password');
  assert.is(code(await store.add('carol', 'pw')), 'ok');
  assert.equal(store.list(), ['alice', 'carol']);

  const alice = store.get('alice');
  assert.ok(alice);
  assert.ok(await verifyPassword(alice.password, PASSWORD));
  assert.not.ok(await verifyPassword(alice.password, 'wrong'));
  assert.is(alice.password.cost, 16384);
  assert.is(alice.password.blockSize, 8);
  assert.is(alice.password.parallelization, 1);
  assert.is(decodeBase64(alice.password.salt)?.length, 16);
  for (const hash of ['SHA-1', 'SHA-256'] as const) {
    const c = alice.scram[hash];
    assert.is(c.iterations, 4096);
    assert.is(decodeBase64(c.salt)?.length, 16);
    assert.equal(await deriveScramCredential(hash, PASSWORD, decodeBase64(c.salt) ?? new Uint8Array(), 4096), c);
  }
  assert.is.not(alice.scram['SHA-1'].salt, alice.scram['SHA-256'].salt);

  assert.is(code(await store.setPassword('alice', 'new password')), 'ok');
  assert.ok(await verifyPassword(store.get('alice')?.password ?? alice.password, 'new password'));
  assert.is(code(await store.setPassword('nobody', 'x')), 'not-found');

  const removed = await store.remove('CAROL');
  assert.equal(removed, { ok: true, value: true });
  assert.equal(await store.remove('carol'), { ok: true, value: false });
  assert.is(code(await store.remove('a/b')), 'invalid-username');
  assert.equal(store.list(), ['alice']);
  assert.is(store.get('not a valid name'), undefined);
}

const names = suite('usernames');

names('normalised as an XMPP localpart', () => {
  assert.equal(normaliseUsername('Ünïcode'), { ok: true, value: 'ünïcode' });
  for (const bad of ['', 'a@b', 'a b', 'a/b', 'a:b', "a'b", 'a"b', 'a<b', 'a&b', 'tab\t']) {
    assert.is(code(normaliseUsername(bad)), 'invalid-username', bad);
  }
});

names.run();

const memory = suite('MemoryUserStore');

memory('add, get, list, setPassword, remove', async () => {
  await contract(new MemoryUserStore());
});

memory('concurrent adds of one name: exactly one wins', async () => {
  const store = new MemoryUserStore();
  const results = await Promise.all([store.add('dave', 'a'), store.add('dave', 'b')]);
  assert.equal(results.map(code).sort(), ['exists', 'ok']);
});

memory.run();

const file = suite('FileUserStore');
let dir = '';
file.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'plenum-users-'));
});
file.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

file('the shared contract, persisted', async () => {
  const path = join(dir, 'nested', 'deeper', 'users.json');
  const store = await openFile(path);
  assert.equal(store.list(), []);
  await contract(store);
  const reopened = await openFile(path);
  assert.equal(reopened.list(), ['alice']);
  assert.equal(reopened.get('alice'), store.get('alice'));
});

file('file mode 0600, directory created, no temp files left, password never written', async () => {
  const path = join(dir, 'state', 'users.json');
  const store = await openFile(path);
  assert.is(code(await store.add('alice', PASSWORD)), 'ok');
  assert.is(code(await store.setPassword('alice', `${PASSWORD}-2`)), 'ok');
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'state')).mode & 0o077, 0);
  assert.equal(readdirSync(join(dir, 'state')), ['users.json']);
  const content = readFileSync(path, 'utf8');
  assert.not.ok(content.includes(PASSWORD));
  assert.not.ok(content.includes(Buffer.from(PASSWORD).toString('base64')));
  assert.is(JSON.parse(content).version, 1);
});

file('changes made by another process are seen without reopening', async () => {
  const path = join(dir, 'users.json');
  const server = await openFile(path);
  const cli = await openFile(path);
  assert.is(server.get('alice'), undefined);
  assert.is(code(await cli.add('alice', PASSWORD)), 'ok');
  assert.is(server.get('alice')?.username, 'alice');
  // A change by this store keeps the other's account: each change starts from the file.
  assert.is(code(await server.add('bob', PASSWORD)), 'ok');
  assert.equal(cli.list(), ['alice', 'bob']);
  assert.equal((await cli.remove('alice')), { ok: true, value: true });
  assert.equal(server.list(), ['bob']);
});

file('concurrent changes in one process are serialised', async () => {
  const store = await openFile(join(dir, 'users.json'));
  const results = await Promise.all(['a1', 'a2', 'a3', 'a1'].map((n) => store.add(n, PASSWORD)));
  assert.equal(results.map(code), ['ok', 'ok', 'ok', 'exists']);
  assert.equal((await openFile(join(dir, 'users.json'))).list(), ['a1', 'a2', 'a3']);
});

file('a damaged file is reported and never overwritten', async () => {
  const path = join(dir, 'users.json');
  for (const content of ['{not json', '[]', '{"version":2,"users":{}}', '{"version":1,"users":{"Alice":{}}}',
    '{"version":1,"users":{"alice":{"password":{"algorithm":"scrypt","cost":3,"blockSize":8,"parallelization":1,"salt":"AA==","hash":"AA=="},"scram":{}}}}']) {
    writeFileSync(path, content);
    const r = await FileUserStore.open(path);
    assert.is(code(r), 'corrupt', content);
  }
  const good = await openFile(join(dir, 'other.json'));
  assert.is(code(await good.add('alice', PASSWORD)), 'ok');
  writeFileSync(join(dir, 'other.json'), '{broken');
  assert.is(code(await good.add('bob', PASSWORD)), 'corrupt');
  assert.is(readFileSync(join(dir, 'other.json'), 'utf8'), '{broken');
  // Reads keep the last good accounts.
  assert.is(good.get('alice')?.username, 'alice');
});

file('a path that cannot be read or written is an io failure, not an exception', async () => {
  const blocker = join(dir, 'not-a-dir');
  const store = await openFile(join(blocker, 'users.json'));
  writeFileSync(blocker, '');
  assert.is(code(await store.add('alice', PASSWORD)), 'io');
  assert.is(code(await FileUserStore.open(join(blocker, 'users.json'))), 'io');
  assert.is(store.get('alice'), undefined);
});

file.run();
