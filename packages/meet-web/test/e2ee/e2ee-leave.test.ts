// Leaving an end-to-end encrypted meeting, in the real app on the real server (Chromium): when Bob
// leaves, Alice and Carol each move to a fresh random key that Bob never gets (a new key index on
// each of their video SSRCs, as a werift participant receiving the bridge's forwarding sees), and
// keep seeing each other through the switch. That Bob's old keys cannot open the frames sent under
// the fresh key is shown at the key level with real frames (src/client/e2ee/key-exchange.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { eventually, joinDirectly, seesVideoOf, startE2e, type E2e } from '../e2e/e2e-stack.ts';
import { vp8FramesBySsrc } from './ciphertext-analysis.ts';

const ROOM = 'encrypted-leave';

/** Who sends each SSRC, from the focus's offer to the werift participant (it joined after the others). */
function ownersOf(werift: MediaParticipant): Map<number, string> {
  const owners = new Map<number, string>();
  for (const c of werift.offer.contents) for (const src of c.description?.sources ?? []) if (src.owner !== undefined) owners.set(src.ssrc, src.owner.slice(src.owner.lastIndexOf('/') + 1));
  for (const [owner, eps] of Object.entries(werift.offer.jsonSources ?? {})) for (const src of [...eps.audio, ...eps.video]) owners.set(src.ssrc, owner);
  return owners;
}

/** The key indices (the trailer's last byte) each sender's video used in the frames captured so far. */
function keyIndices(werift: MediaParticipant, owners: ReadonlyMap<number, string>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  // (A Map prints as {} in a failure message: toJSON lists it.)
  (out as unknown as { toJSON(): unknown }).toJSON = () => [...out].map(([owner, s]) => [owner, [...s]]);
  for (const [ssrc, frames] of vp8FramesBySsrc(werift.received, werift.negotiated.vp8PayloadType)) {
    const owner = owners.get(ssrc) ?? `ssrc ${ssrc}`;
    const set = out.get(owner) ?? new Set<number>();
    for (const f of frames) set.add(f[f.length - 1] as number);
    out.set(owner, set);
  }
  return out;
}

test('when someone leaves, the others switch to fresh keys and keep seeing each other', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  let werift: MediaParticipant | undefined;
  try {
    const pages: Page[] = [];
    for (const name of ['Alice', 'Bob', 'Carol']) pages.push(await joinDirectly(e2e, ROOM, name));
    const [alice, bob, carol] = pages as [Page, Page, Page];
    await seesVideoOf(alice, 'Carol');
    await seesVideoOf(carol, 'Alice');
    werift = await MediaParticipant.join({ port: e2e.plenum.xmpp.tcpPort, room: ROOM });
    await werift.connected();
    const w = werift;
    const owners = ownersOf(w);
    const senders = new Set(owners.values());
    const known = (m: Map<string, Set<number>>): number => [...m.keys()].filter((o) => senders.has(o)).length;
    const before = await eventually(async () => keyIndices(w, owners), (m) => known(m) >= 3, 15_000, 'frames of Alice, Bob and Carol before the leave');

    await bob.getByRole('button', { name: 'Leave meeting' }).click();
    await bob.getByRole('heading', { name: 'You left the meeting' }).waitFor();
    await alice.getByRole('group', { name: 'Bob', exact: true }).waitFor({ state: 'detached' });
    await carol.getByRole('group', { name: 'Bob', exact: true }).waitFor({ state: 'detached' });
    await seesVideoOf(alice, 'Carol');
    await seesVideoOf(carol, 'Alice');
    w.received.length = 0;
    const after = await eventually(async () => keyIndices(w, owners), (m) => known(m) >= 2, 15_000, 'frames of Alice and Carol after the leave');
    assert.is(known(after), 2, 'two senders left');
    for (const [owner, indices] of after) {
      const old = before.get(owner);
      assert.ok(old !== undefined && [...indices].every((i) => !old.has(i)), `${owner}: key indices after the leave (${[...indices]}) differ from before (${[...(old ?? [])]})`);
    }
  } finally {
    await werift?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
