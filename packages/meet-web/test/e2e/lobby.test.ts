// The lobby on the real one-command server: the moderator switches it on in the security options,
// two people knock and see the waiting screen, she admits one (who joins and sees her) and denies
// the other (who is told so).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directJoinPath, joinDirectly, seesVideoOf, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'lobby-room';

test('the moderator enables the lobby, admits one knocker and denies another', async () => {
  const e2e: E2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    await alice.getByRole('button', { name: 'Not now' }).click();
    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Security options' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Security options' });
    await dialog.getByRole('checkbox', { name: /Ask new people to wait/ }).check();
    await alice.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    const knock = async (name: string) => {
      const page = await e2e.newPage();
      await page.goto(`${e2e.origin}${directJoinPath(ROOM, name)}`);
      await page.getByRole('heading', { name: 'Asking to join…' }).waitFor();
      await alice.getByText(`${name} is asking to join`).waitFor();
      return page;
    };
    const dan = await knock('Dan');
    const eve = await knock('Eve');
    assert.is(await alice.getByRole('group', { name: 'Dan', exact: true }).count(), 0, 'a knocker is not in the meeting');

    await alice.getByRole('button', { name: 'Participants, 2 waiting' }).click();
    const pane = alice.getByRole('complementary', { name: 'Participants' });
    await pane.getByRole('heading', { name: 'Waiting to join (2)' }).waitFor();
    await pane.getByRole('button', { name: 'Admit Dan' }).click();
    await pane.getByRole('button', { name: 'Deny Eve' }).click();
    await pane.getByRole('heading', { name: /Waiting to join/ }).waitFor({ state: 'detached' });

    await dan.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    await seesVideoOf(dan, 'Alice');
    await seesVideoOf(alice, 'Dan');
    await eve.getByRole('heading', { name: 'You were not let in' }).waitFor();
    assert.is(await eve.getByRole('toolbar', { name: 'Meeting controls' }).count(), 0);
    assert.is(await alice.getByRole('group', { name: 'Eve', exact: true }).count(), 0, 'the denied knocker never appears');
  } finally {
    await e2e.close();
  }
});

test.run();
