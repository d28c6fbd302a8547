// A locked room on the real one-command server: the creator sets a password from the offer she
// gets right after creating the room, a newcomer is asked for it (a wrong one is refused, the
// right one lets him in), and the moderator's remote mute reaches his UI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directJoinPath, joinDirectly, seesVideoOf, startE2e, tile, type E2e } from './e2e-stack.ts';

const ROOM = 'locked-room';

test('a locked room asks for the password, refuses a wrong one, admits the right one; a moderator mutes the newcomer', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const offer = alice.getByRole('region', { name: 'You created this meeting' });
    await offer.getByRole('textbox', { name: 'New meeting password' }).fill('tulips');
    await offer.getByRole('button', { name: 'Set' }).click();
    await alice.getByRole('img', { name: 'Locked with a password' }).waitFor();

    const bob = await e2e.newPage();
    await bob.goto(`${e2e.origin}${directJoinPath(ROOM, 'Bob')}`);
    await bob.getByRole('heading', { name: 'This meeting is locked' }).waitFor();
    await bob.getByLabel('Password').fill('roses');
    await bob.getByRole('button', { name: 'Join meeting' }).click();
    await bob.getByText('That password is not right. Try again.').waitFor();
    assert.is(await bob.getByRole('toolbar', { name: 'Meeting controls' }).count(), 0, 'a wrong password does not let him in');
    assert.is(await alice.getByRole('group', { name: 'Bob', exact: true }).count(), 0, 'nobody sees him yet');
    await bob.getByLabel('Password').fill('tulips');
    await bob.getByRole('button', { name: 'Join meeting' }).click();
    await bob.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    await seesVideoOf(bob, 'Alice');
    await seesVideoOf(alice, 'Bob');

    // Alice mutes Bob from his tile's menu: Bob's own microphone button says so, and her view too.
    assert.is(await bob.getByRole('button', { name: 'Mute microphone' }).count(), 1, 'Bob starts unmuted');
    await tile(alice, 'Bob').getByRole('button', { name: 'Actions for Bob' }).click();
    await alice.getByRole('menuitem', { name: 'Mute', exact: true }).click();
    await bob.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await tile(alice, 'Bob').getByRole('img', { name: 'Microphone off' }).waitFor();
  } finally {
    await e2e.close();
  }
});

test.run();
