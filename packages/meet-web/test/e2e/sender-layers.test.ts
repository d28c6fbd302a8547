// A camera encodes only what someone watches (the real bridge's SenderSourceConstraints, on the
// real one-command server, in Chromium): nothing while its owner is alone, only the small layer
// while the others show it in small tiles, the middle one too once a tile grows, all three when it
// is on someone's stage (which also needs the bridge's transport-cc feedback: without it the
// browser's uplink estimate stays too low for the 720p layer), and nothing again when the others
// leave. Read from the browsers' own stats: frames encoded per simulcast layer (what the sender's CPU
// and upload pay for) and the height of the picture the receiver decodes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { directJoinPath, eventually, joinDirectly, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'sender-layers';

type Layer = { readonly ssrc: number; readonly frameHeight: number; readonly encoding: boolean };

/** The camera's simulcast layers toward the bridge, and which of them encoded frames in the last 0.8 s. */
async function cameraLayers(page: Page): Promise<Layer[]> {
  const read = () => page.evaluate(async () => {
    const out: { ssrc: number; frameHeight: number; framesEncoded: number }[] = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; frameHeight?: number; framesEncoded?: number; mid?: string }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.mid === 'video') out.push({ ssrc: s.ssrc ?? 0, frameHeight: s.frameHeight ?? 0, framesEncoded: s.framesEncoded ?? 0 });
      });
    }
    return out;
  });
  const before = await read();
  await new Promise((r) => setTimeout(r, 800));
  const after = await read();
  return after.map((l) => ({ ssrc: l.ssrc, frameHeight: l.frameHeight, encoding: l.framesEncoded > (before.find((b) => b.ssrc === l.ssrc)?.framesEncoded ?? 0) }))
    .sort((a, b) => a.frameHeight - b.frameHeight);
}

/** The height of the tallest remote video the page decodes right now (inbound-rtp frameHeight). */
function receivedHeight(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let tallest = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; frameHeight?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') tallest = Math.max(tallest, s.frameHeight ?? 0);
      });
    }
    return tallest;
  });
}

/** The heights of the layers that encode right now, smallest first ([] when none does). */
async function encodingHeights(page: Page): Promise<number[]> {
  return (await cameraLayers(page)).filter((l) => l.encoding).map((l) => l.frameHeight);
}

test('a camera encodes only the layers someone watches, and nothing while alone', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, resolution: 720 } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    await eventually(() => cameraLayers(alice), (l) => l.length === 3, 20_000, "Alice's camera sends 3 simulcast layers");
    // Alone in the meeting: nobody watches, so nothing is encoded.
    await eventually(() => encodingHeights(alice), (h) => h.length === 0, 20_000, 'Alice alone encodes nothing');

    // Bob, in a small window, shows Alice in a small tile: only her smallest layer is encoded.
    const bob = await e2e.newPage();
    await bob.setViewportSize({ width: 480, height: 320 });
    await bob.goto(`${e2e.origin}${directJoinPath(ROOM, 'Bob')}`);
    await seesVideoOf(bob, 'Alice');
    const small = await eventually(() => encodingHeights(alice), (h) => h.length === 1, 20_000, 'Alice encodes one layer for a small tile');
    assert.ok((small[0] ?? 0) <= 180, `the layer encoded is the small one (${small[0]}p)`);

    // Bob's window grows: Alice's tile there is about 360 px high, and her middle layer starts.
    await bob.setViewportSize({ width: 1280, height: 800 });
    const larger = await eventually(() => encodingHeights(alice), (h) => h.length === 2, 20_000, 'Alice encodes two layers for a larger tile');
    assert.ok((larger[1] ?? 0) <= 360, `no layer above 360p is encoded (${larger.join(', ')})`);
    await seesVideoOf(bob, 'Alice');

    // Bob puts Alice on his stage (speaker view): her 720p layer runs too, and reaches Bob.
    await bob.keyboard.press('w');
    await bob.getByRole('main', { name: 'Speaker view' }).waitFor();
    await eventually(() => encodingHeights(alice), (h) => h.length === 3, 20_000, 'Alice encodes all three layers for a stage');
    await eventually(() => receivedHeight(bob), (h) => h >= 720, 20_000, "Bob receives Alice's 720p");

    // Bob leaves: nobody watches Alice again.
    await bob.getByRole('button', { name: 'Leave meeting' }).click();
    await bob.getByRole('heading', { name: 'You left the meeting' }).waitFor();
    await eventually(() => encodingHeights(alice), (h) => h.length === 0, 20_000, 'Alice alone again encodes nothing');
  } finally {
    await e2e.close();
  }
});

test.run();
