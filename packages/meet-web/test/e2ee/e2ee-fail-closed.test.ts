// Fail-closed, in the real app on the real server (Chromium): in an encrypted room
// - a participant that sends unencrypted VP8 (a werift peer through the real focus, with frames
//   libvpx made) reaches Alice's browser, which decodes none of it; once the moderator turns E2EE
//   off in the security options, the same frames are decoded (so it was E2EE that dropped them);
// - a browser without encoded transforms (neither RTCRtpScriptTransform nor insertable streams) is told it cannot take part and sends nothing; its
//   camera and microphone go out again, and the others see it, once E2EE is off.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { directJoinPath, eventually, seesVideoOf, startE2e, joinDirectly, type E2e } from '../e2e/e2e-stack.ts';
import { packetsSent } from './e2ee-pages.ts';

const ROOM = 'encrypted-fail-closed';

/** Small VP8 frames of ffmpeg's test picture (each fits one RTP packet), key frames every 2 s. */
function smallVp8Frames(): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'e2ee-inject-'));
  try {
    const file = join(dir, 'f.ivf');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15', '-t', '4', '-c:v', 'libvpx', '-g', '30', '-qmin', '50', '-qmax', '63', '-b:v', '20k', file]);
    const ivf = readFileSync(file);
    const frames: Buffer[] = [];
    for (let at = 32; at + 12 <= ivf.length;) {
      const size = ivf.readUInt32LE(at);
      frames.push(ivf.subarray(at + 12, at + 12 + size));
      at += 12 + size;
    }
    return frames;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Video frames decoded and packets received over all of the page's inbound video. */
function inboundVideo(page: Page): Promise<{ framesDecoded: number; packetsReceived: number }> {
  return page.evaluate(async () => {
    const out = { framesDecoded: 0, packetsReceived: 0 };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        out.framesDecoded += s.framesDecoded ?? 0;
        out.packetsReceived += s.packetsReceived ?? 0;
      });
    }
    return out;
  });
}

test('unencrypted frames are not rendered in an encrypted room; a browser that cannot encrypt sends nothing', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  let sending: ReturnType<typeof setInterval> | undefined;
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    await alice.getByRole('button', { name: /^End-to-end encrypted/ }).waitFor();

    // Dave's browser has neither RTCRtpScriptTransform nor insertable streams.
    const davePage = await e2e.newPage();
    await davePage.addInitScript('delete window.RTCRtpScriptTransform; delete RTCRtpSender.prototype.createEncodedStreams; delete RTCRtpReceiver.prototype.createEncodedStreams;');
    await davePage.goto(`${e2e.origin}${directJoinPath(ROOM, 'Dave')}`);
    await davePage.getByRole('button', { name: 'Encrypted meeting: this browser cannot take part' }).waitFor();
    await eventually(() => alice.getByRole('group', { name: 'Dave', exact: true }).count(), (n) => n === 1, 15_000, 'Dave is in');
    await eventually(() => davePage.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.some((pc) => pc.connectionState === 'connected')),
      (up) => up, 15_000, 'Dave\'s media connection is up');
    const before = await packetsSent(davePage);
    await new Promise((r) => setTimeout(r, 2000));
    assert.is(await packetsSent(davePage), before, 'Dave sends no RTP while the room is encrypted');

    // A peer that sends plain VP8 into the encrypted room.
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    await werift.connected();
    const frames = smallVp8Frames();
    let k = 0;
    sending = setInterval(() => {
      const frame = frames[k % frames.length] as Buffer;
      const pictureId = k & 0x7fff;
      // RFC 7741 descriptor with a 15-bit picture id, then the frame as libvpx made it.
      werift?.sendVideo(Buffer.concat([Buffer.from([0x90, 0x80, 0x80 | (pictureId >> 8), pictureId & 0xff]), frame]));
      k++;
    }, 66);
    const arrived = await eventually(() => inboundVideo(alice), (v) => v.packetsReceived >= 60, 20_000, 'the plain frames reach Alice');
    assert.is(arrived.framesDecoded, 0, 'Alice decodes none of the unencrypted frames');

    // The moderator turns E2EE off: the same frames are decoded now, and Dave's media flows.
    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Security options' }).click();
    await alice.getByRole('checkbox', { name: /^Encrypt camera, microphone and screen/ }).uncheck();
    await alice.getByRole('button', { name: 'Close security options' }).click();
    await eventually(() => inboundVideo(alice), (v) => v.framesDecoded >= 10, 20_000, 'with E2EE off the plain frames are decoded');
    await davePage.getByRole('button', { name: /cannot take part/ }).waitFor({ state: 'detached' });
    await eventually(() => packetsSent(davePage), (n) => n > before + 50, 15_000, 'Dave sends again');
    await seesVideoOf(alice, 'Dave');
  } finally {
    if (sending !== undefined) clearInterval(sending);
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
