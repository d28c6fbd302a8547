// Recording an end-to-end encrypted meeting, on the real one-command server (startAllInOne with its
// recorder, Debian's ffmpeg) through the real UI in Chromium: the room is created encrypted, Alice
// and Bob see and hear each other, Alice records ~8 s. The recorder holds the keys (it advertises an
// identity key; the browsers pair with it and send it their media keys), so every per-source WebM
// decodes without an error with the codec and a frame size the browsers sent (ciphertext VP8 makes
// libvpx report corrupt frames), the composed MP4 decodes and has sound, and the manifest says the
// recording was end-to-end encrypted with frames decrypted from everyone. Those frames opened with
// the browsers' keys under AES-GCM, which only frames the browsers encrypted do. Carol joins halfway:
// she sends the recorder her key, Alice and Bob ratchet theirs for her (the recorder follows the
// ratchet by itself), and she is recorded too.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { eventually, hearsOthers, joinDirectly, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { e2eeBadge, packetsSent } from './e2ee-pages.ts';

const run = promisify(execFile);
const ROOM = 'encrypted-recorded';
const RECORD_MS = 8_000;

type Manifest = {
  participants: { endpointId: string }[];
  composed: { file: string } | undefined;
  tracks: { file: string; owner: string; media: 'audio' | 'video'; codec: string; packets: number }[];
  e2ee?: { on: boolean; framesDecrypted: number; framesDropped: number; dropped: Record<string, number> };
};
type Probe = { streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[] };

async function findManifest(dir: string): Promise<{ manifest: Manifest; dir: string } | undefined> {
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, sub, 'manifest.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) return { manifest: JSON.parse(text) as Manifest, dir: join(dir, sub) };
  }
  return undefined;
}

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', file]);
  return JSON.parse(stdout) as Probe;
}

/**
 * Decodes the whole file; ffmpeg's error output (empty when every frame decoded). Frames keep their
 * own times in the file's time base (`-fps_mode passthrough -enc_time_base -1`): a browser's frames
 * come at uneven times (a key frame on request 30 ms after the last frame), and two of them in one
 * slot of ffmpeg's guessed frame rate would be reported as non-monotonic timestamps, which is no
 * decoding error.
 */
async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-']);
  return stderr.trim();
}

/** The loudest sample of the file's audio, dB. */
async function maxVolume(file: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-']);
  const m = /max_volume: (-?[\d.]+) dB/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`no volumedetect output for ${file}`);
  return Number(m[1]);
}

/** The frame sizes a page's video senders encode right now ("640x480", one per simulcast layer). */
function sentFrameSizes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; frameWidth?: number; frameHeight?: number }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.frameWidth !== undefined) out.push(`${s.frameWidth}x${s.frameHeight}`);
      });
    }
    return out;
  });
}

test('an end-to-end encrypted meeting is recorded decrypted: every file decodes, the composed view has sound, the manifest says E2EE', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plenum-e2ee-rec-'));
  let e2e: E2e | undefined;
  try {
    e2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } }, recorder: { output: { directory: dir }, log: { level: process.env.REC_LOG ?? 'silent' } } });
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    for (const page of [alice, bob]) await e2eeBadge(page).waitFor();
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    for (const page of [alice, bob]) await hearsOthers(page, 1);

    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Start recording' }).click();
    // In an encrypted meeting the moderator first agrees that the recorder holds the keys.
    await alice.getByRole('button', { name: 'Admit recorder and start' }).click();
    for (const page of [alice, bob]) await page.getByRole('img', { name: 'Recording', exact: true }).waitFor({ timeout: 30_000 });
    // Everyone is told that the recorder holds the meeting's keys (it paired with the browsers).
    for (const page of [alice, bob]) await page.getByRole('button', { name: 'End-to-end encrypted; the recorder holds keys' }).waitFor({ timeout: 10_000 });
    const sentBefore = await Promise.all([alice, bob].map((p) => packetsSent(p)));
    // The sizes the browsers encode while recorded (they may adapt: every size seen counts).
    const sizes = new Set<string>();
    const pages = [alice, bob];
    const watchSizes = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        for (const page of pages) for (const s of await sentFrameSizes(page)) sizes.add(s);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await watchSizes(RECORD_MS / 2);
    const carol = await joinDirectly(e2e, ROOM, 'Carol');
    pages.push(carol);
    await seesVideoOf(carol, 'Alice');
    await watchSizes(RECORD_MS / 2);
    const sentAfter = await Promise.all([alice, bob].map((p) => packetsSent(p)));
    assert.ok(sentAfter.every((n, i) => n > (sentBefore[i] as number) + 100), `both browsers kept sending while recorded (${sentBefore} → ${sentAfter})`);
    for (const page of [alice, bob]) assert.ok(await e2eeBadge(page).isVisible(), 'the meeting is still end-to-end encrypted');

    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Stop recording' }).click();
    const found = await eventually(() => findManifest(dir), (m) => m !== undefined, 30_000, 'manifest.json is written');
    const { manifest, dir: recDir } = found as { manifest: Manifest; dir: string };
    console.log(`e2ee recording: ${JSON.stringify(manifest.e2ee)}; tracks ${JSON.stringify(manifest.tracks.map((t) => [t.media, t.packets]))}; sizes sent ${[...sizes].join(' ')}`);

    assert.is(manifest.e2ee?.on, true, 'the manifest says the recording was end-to-end encrypted');
    assert.ok((manifest.e2ee?.framesDecrypted ?? 0) > 100, `the recorder decrypted the media (${manifest.e2ee?.framesDecrypted} frames)`);
    assert.is(manifest.participants.length, 3);
    for (const media of ['audio', 'video'] as const) {
      const owners = new Set(manifest.tracks.filter((t) => t.media === media && t.packets > 50).map((t) => t.owner));
      assert.is(owners.size, 3, `everyone's ${media} was recorded, Carol's too`);
    }
    for (const t of manifest.tracks) {
      const file = join(recDir, t.file);
      assert.is(await decodeErrors(file), '', `${t.file} decodes without an error`);
      const [stream] = (await probe(file)).streams;
      assert.is(stream?.codec_name, t.media === 'audio' ? 'opus' : 'vp8', `${t.file}: codec`);
      if (t.media === 'video') {
        assert.ok(sizes.has(`${stream?.width}x${stream?.height}`), `${t.file}: ${stream?.width}x${stream?.height} is a size the browsers sent (${[...sizes].join(' ')})`);
        assert.ok(Number(stream?.nb_read_frames) > 20, `${t.file}: ${stream?.nb_read_frames} frames decoded`);
      }
    }
    const composed = manifest.composed;
    assert.ok(composed !== undefined, 'a composed file was written');
    const composedFile = join(recDir, composed.file);
    assert.is(await decodeErrors(composedFile), '', 'the composed file decodes without an error');
    const kinds = (await probe(composedFile)).streams.map((s) => s.codec_type).sort();
    assert.equal(kinds, ['audio', 'video']);
    const loudest = await maxVolume(composedFile);
    assert.ok(loudest > -30, `the composed file has sound (max ${loudest} dB)`);
  } finally {
    await e2e?.close();
    // KEEP=1 leaves the recording in the temporary directory for a look with ffprobe/ffplay.
    if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
});

test.run();
