// When `npm start` runs a recorder: only with an ffmpeg to run, never when switched off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findExecutable, planRecorder } from './embedded-recorder.ts';

const base = { domain: 'meet.example', internalMucDomain: 'internal.meet.example' };

test('with ffmpeg on the PATH: a recorder on recorder.<domain> in the internal brewery, with a fresh secret', () => {
  const plan = planRecorder({ ...base, env: { PATH: '/nonexistent:/usr/bin' }, settings: { output: { directory: '/tmp/rec' } } });
  assert.is(plan?.domain, 'recorder.meet.example');
  assert.is(plan?.breweryJid, 'jibribrewery@internal.meet.example');
  assert.ok((plan?.secret.length ?? 0) >= 32);
  assert.equal(plan?.values, { output: { directory: '/tmp/rec' } });
  assert.is.not(planRecorder({ ...base, env: { PATH: '/usr/bin' }, settings: undefined })?.secret, plan?.secret, 'a new secret at every start');
});

test('none without ffmpeg, or when switched off by environment or setting', () => {
  assert.is(planRecorder({ ...base, env: { PATH: '/nonexistent' }, settings: undefined }), undefined, 'no ffmpeg on the PATH');
  assert.is(planRecorder({ ...base, env: { PATH: '/usr/bin' }, settings: { ffmpeg: { path: '/nonexistent/ffmpeg' } } }), undefined, 'configured ffmpeg missing');
  assert.is(planRecorder({ ...base, env: { PATH: '/usr/bin', PLENUM_RECORDER_ENABLED: 'false' }, settings: undefined }), undefined);
  assert.is(planRecorder({ ...base, env: { PATH: '/usr/bin' }, settings: false }), undefined);
  assert.is(planRecorder({ ...base, env: { PATH: '/usr/bin' }, settings: { enabled: false } }), undefined);
});

test('executables are found by name on the PATH or by path', () => {
  assert.is(findExecutable('ffmpeg', '/nonexistent:/usr/bin'), '/usr/bin/ffmpeg');
  assert.is(findExecutable('/usr/bin/ffmpeg', ''), '/usr/bin/ffmpeg');
  assert.is(findExecutable('ffmpeg', 'relative/dir:'), undefined, 'relative PATH entries are not searched');
  const dir = mkdtempSync(join(tmpdir(), 'plenum-exe-'));
  try {
    writeFileSync(join(dir, 'ffmpeg'), 'not a program', { mode: 0o644 });
    assert.is(findExecutable('ffmpeg', dir), undefined, 'a file without execute bits');
    assert.is(findExecutable('ffmpeg', `${dir}:/usr/bin`), '/usr/bin/ffmpeg', 'the next PATH entry');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
