// Peer-to-peer for two on the real one-command server: Alice and Bob see and hear each other while
// the bridge receives none of their media; when Carol joins, all three meet through the bridge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeRtpPacketsReceived, eventually, hearsOthers, joinDirectly, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'p2p-then-bridge';

test('two meet peer-to-peer with no media through the bridge; a third moves all three to the bridge', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: true } } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    await hearsOthers(alice, 1);
    await hearsOthers(bob, 1);
    // While their video keeps advancing, the bridge's RTP counter stands still for 2 s.
    const quiet = async (): Promise<boolean> => {
      const before = await bridgeRtpPacketsReceived(e2e);
      await new Promise((r) => setTimeout(r, 2000));
      return (await bridgeRtpPacketsReceived(e2e)) === before;
    };
    await eventually(quiet, (q) => q, 15_000, 'the bridge carries no media of the two');
    await seesVideoOf(alice, 'Bob');
    await seesVideoOf(bob, 'Alice');
    assert.ok(await quiet(), 'still none through the bridge while their video advanced');

    const carol = await joinDirectly(e2e, ROOM, 'Carol');
    const before = await bridgeRtpPacketsReceived(e2e);
    // Carol gets both; the two get her and still get each other (now through the bridge).
    for (const [page, others] of [[carol, ['Alice', 'Bob']], [alice, ['Carol', 'Bob']], [bob, ['Carol']]] as const) {
      for (const name of others) await seesVideoOf(page, name);
      await hearsOthers(page, 2);
    }
    assert.ok((await bridgeRtpPacketsReceived(e2e)) > before + 100, 'with three, media goes through the bridge');
  } finally {
    await e2e.close();
  }
});

test.run();
