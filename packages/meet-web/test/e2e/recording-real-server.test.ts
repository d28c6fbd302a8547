// Recording on the real one-command server (startAllInOne with its recorder, ffmpeg from Debian)
// through the real UI in Chromium: the moderator starts recording from the More menu, both people
// see REC and are told, the recorder is never shown as a person (yet ends their peer-to-peer
// call: it needs their media on the bridge), a guest has no control and the focus refuses a guest's
// start, stop clears REC for both, the recording's manifest lists both people's audio, every
// per-source file decodes cleanly (Chromium's own packetization, written by the recorder), and the
// moderator who started it (only she) gets a working download link.
import { execFile } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { NS_JIBRI, el } from '@plenum/xmpp/codec';
import { ScriptedParticipant, errorCondition } from '@plenum/testkit';
import { eventually, joinDirectly, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'recorded-meeting';
const RECORD_MS = 10_000;

type Manifest = { room: string; durationMs: number; participants: { endpointId: string }[]; tracks: { file: string; owner: string; media: string; packets: number }[] };

const run = promisify(execFile);

async function findManifest(dir: string): Promise<(Manifest & { dir: string }) | undefined> {
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, sub, 'manifest.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) return { ...(JSON.parse(text) as Manifest), dir: join(dir, sub) };
  }
  return undefined;
}

/** ffmpeg decoding the whole file: its complaints (empty: clean), and how many frames its first stream had. */
async function decoded(file: string): Promise<{ errors: string; frames: number }> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', '0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  // Not a decoding error: ffmpeg's null output guesses a constant frame rate, and two millisecond
  // timestamps around a gap (the sender's step from 360p to 720p) land on one of its frame slots.
  const errors = stderr.split('\n').filter((l) => l.trim() !== '' && !/non monotonically increasing dts|Last message repeated/.test(l)).join('\n');
  return { errors, frames: Number(stdout.trim()) };
}

async function tileNames(page: Page): Promise<string[]> {
  return page.locator('meet-video-tile [role=group]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? '').sort());
}

async function menuItems(page: Page): Promise<string[]> {
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menu', { name: 'More options' }).waitFor();
  const items = (await page.getByRole('menuitem').allTextContents()).map((t) => t.trim());
  await page.keyboard.press('Escape');
  return items;
}

test('the moderator records 10 s: both see REC and are told, the recorder stays hidden, a guest cannot, the manifest is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-e2e-rec-'));
  let e2e: E2e | undefined;
  let guest: ScriptedParticipant | undefined;
  try {
    // P2P on, as `npm start` has it: two people meet directly until the recorder joins and needs their media on the bridge.
    // No download port: as in `npm start`, the link is served on the meeting's own origin under /recordings/.
    e2e = await startE2e({ recorder: { output: { directory: dir }, composed: { enabled: false } } });
    assert.ok(e2e.plenum.recorder, 'npm start runs a recorder when ffmpeg is installed');
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    for (const page of [alice, bob]) await page.getByLabel('2 in the meeting').waitFor();

    // Bob is no moderator: no control in his menu, and the focus refuses a guest's start on the wire.
    assert.not.ok((await menuItems(bob)).some((t) => /recording/i.test(t)), 'a guest has no recording control');
    guest = await ScriptedParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    const refused = await guest.request(el('iq', { type: 'set', to: guest.focusOccupant }, el('jibri', { xmlns: NS_JIBRI, action: 'start', recording_mode: 'file' })));
    assert.is(errorCondition(refused), 'forbidden', "the focus refuses a guest's start");
    guest.leave();
    guest.close();
    guest = undefined;
    for (const page of [alice, bob]) await page.getByLabel('2 in the meeting').waitFor();

    // Alice starts; both see REC and are told.
    assert.ok((await menuItems(alice)).includes('Start recording'), 'the moderator has the control');
    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Start recording' }).click();
    for (const page of [alice, bob]) await page.getByRole('img', { name: 'Recording', exact: true }).waitFor({ timeout: 30_000 });
    await alice.getByText('You started recording. Everyone sees that this meeting is being recorded.').waitFor();
    await bob.getByText(/started recording this meeting\.$/).waitFor();

    // The recorder is in the room but never shown: no tile, not listed, not counted.
    const startedAt = Date.now();
    for (const [page, self, other] of [[alice, 'Alice (you)', 'Bob'], [bob, 'Bob (you)', 'Alice']] as const) {
      assert.equal(await tileNames(page), [self, other].sort(), 'tiles: only the two people');
      await page.getByRole('button', { name: 'Participants' }).click();
      const pane = page.getByRole('complementary', { name: 'Participants' });
      await pane.getByRole('heading', { name: 'Participants (2)' }).waitFor();
      assert.is(await pane.getByRole('listitem').count(), 2, 'the participant list has only the two people');
      await pane.getByRole('button', { name: 'Close participants' }).click();
      assert.ok(await page.getByLabel('2 in the meeting').isVisible());
    }
    await new Promise((r) => setTimeout(r, Math.max(0, RECORD_MS - (Date.now() - startedAt))));

    // Alice stops: REC goes for both, Bob is told, the manifest appears.
    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Stop recording' }).click();
    for (const page of [alice, bob]) await page.getByRole('img', { name: 'Recording', exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
    await bob.getByText('Recording stopped.').waitFor();
    const manifest = await eventually(() => findManifest(dir), (m) => m !== undefined, 20_000, 'manifest.json is written');
    assert.is(manifest?.room.split('@')[0], ROOM);
    assert.is(manifest?.participants.length, 2, 'the manifest lists the two people');
    const audioOwners = new Set(manifest?.tracks.filter((t) => t.media === 'audio' && t.packets > 100).map((t) => t.owner));
    assert.is(audioOwners.size, 2, `both people's audio was recorded (${JSON.stringify(manifest?.tracks.map((t) => [t.owner, t.media, t.packets]))})`);
    assert.ok((manifest?.durationMs ?? 0) >= RECORD_MS - 2000, `recorded about ${RECORD_MS / 1000} s (${manifest?.durationMs} ms)`);
    for (const t of manifest?.tracks ?? []) {
      const { errors, frames } = await decoded(join(manifest?.dir ?? dir, t.file));
      assert.is(errors, '', `${t.file} decodes without an error`);
      // Lenient for a loaded machine: a few frames a second of video, most of the audio.
      const least = t.media === 'video' ? (RECORD_MS / 1000) * 3 : (RECORD_MS / 20) * 0.7;
      assert.ok(frames >= least, `${t.file}: ${frames} frames (at least ${least})`);
    }

    // Alice started it: she gets the download link, Bob does not.
    const link = alice.getByRole('link', { name: 'Download recording' });
    await link.waitFor({ timeout: 20_000 });
    const href = await link.getAttribute('href');
    assert.ok(href !== null && href.startsWith(`${e2e.origin}/recordings/`), `the link is on the meeting's origin (${href})`);
    assert.ok((await fetch(href)).ok, `the link serves the recording (${href})`);
    assert.is((await fetch(`${e2e.origin}/recordings/${'0'.repeat(64)}/`)).status, 404, 'a guessed token finds nothing');
    assert.is(await bob.getByRole('link', { name: 'Download recording' }).count(), 0, 'only for the moderator who started it');
  } finally {
    guest?.close();
    await e2e?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
