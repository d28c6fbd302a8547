// Moderator controls against a FAKE conference core (harness/fake-conference.ts): the menus call
// the right methods, and non-moderators never see them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addBobAndCarol, joinAsAlice, tileNames } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

test('a moderator mutes, promotes and removes a participant from their tile menu', async () => {
  const page = await joinAsAlice(ui, 'Moderate');
  await addBobAndCarol(page);
  const bob = page.getByRole('group', { name: 'Bob Marley' });
  await bob.getByRole('button', { name: 'Actions for Bob Marley' }).click();
  await page.getByRole('menuitem', { name: 'Mute' }).click();
  await bob.getByRole('img', { name: 'Microphone off' }).waitFor();
  await bob.getByRole('button', { name: 'Actions for Bob Marley' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Mute', exact: true }).count(), 0, 'no Mute for someone already muted');
  await page.getByRole('menuitem', { name: 'Make moderator' }).click();
  await bob.getByRole('button', { name: 'Actions for Bob Marley' }).click();
  await page.getByRole('menuitem', { name: 'Remove from meeting' }).click();
  await bob.waitFor({ state: 'detached' });
  assert.equal(await inPage(page, (h) => h.conference.calls.filter((c) => c.method !== 'join').map((c) => [c.method, ...c.args]), null),
    [['muteParticipant', 'bob', 'audio'], ['grantModerator', 'bob'], ['kick', 'bob']]);
  assert.equal(await tileNames(page), ['Alice (you)', 'Carol Shaw']);
});

test('the participants pane: mute everyone, and admit or deny people from the lobby', async () => {
  const page = await joinAsAlice(ui, 'Lobby');
  await addBobAndCarol(page);
  await inPage(page, (h) => h.conference.patchRoom({ lobbyEnabled: true, lobbyWaiting: [{ id: 'dan', displayName: 'Dan' }, { id: 'eve', displayName: 'Eve' }] }), null);
  await page.getByText('Dan is asking to join').waitFor();
  await page.getByText('Eve is asking to join').waitFor();
  await page.getByRole('button', { name: 'Participants, 2 waiting' }).click();
  const pane = page.getByRole('complementary', { name: 'Participants' });
  await pane.getByRole('heading', { name: 'Waiting to join (2)' }).waitFor();
  await pane.getByRole('button', { name: 'Admit Dan' }).click();
  await pane.getByRole('button', { name: 'Deny Eve' }).click();
  await pane.getByRole('heading', { name: /Waiting to join/ }).waitFor({ state: 'detached' });
  await pane.getByRole('button', { name: 'Mute everyone' }).click();
  await page.getByRole('group', { name: 'Carol Shaw' }).getByRole('img', { name: 'Microphone off' }).waitFor();
  assert.equal(await inPage(page, (h) => h.conference.calls.filter((c) => c.method !== 'join').map((c) => [c.method, ...c.args]), null),
    [['admitFromLobby', 'dan'], ['denyFromLobby', 'eve'], ['muteEveryone', 'audio']]);
});

test('security options lock the room with a password and switch the lobby on', async () => {
  const page = await joinAsAlice(ui, 'Lock');
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: 'Security options' }).click();
  const dialog = page.getByRole('dialog', { name: 'Security options' });
  await dialog.getByRole('textbox', { name: 'Meeting password' }).fill('s3cret');
  await dialog.getByRole('button', { name: 'Lock' }).click();
  await dialog.getByText('This meeting is locked with a password.').waitFor();
  await dialog.getByRole('checkbox').check();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const focused = await page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement != null) active = active.shadowRoot.activeElement;
    return active?.getAttribute('aria-label');
  });
  assert.is(focused, 'More options', 'closing the dialog gives focus back to where it was');
  await page.getByRole('img', { name: 'Locked with a password' }).waitFor();
  assert.equal(await inPage(page, (h) => h.conference.calls.filter((c) => c.method !== 'join').map((c) => [c.method, ...c.args]), null),
    [['setRoomPassword', 's3cret'], ['setLobbyEnabled', true]]);
});

test('the creator of a room is offered a password right away', async () => {
  const page = await joinAsAlice(ui, 'Fresh', { script: { justCreated: true } });
  const offer = page.getByRole('region', { name: 'You created this meeting' });
  await offer.getByRole('textbox', { name: 'New meeting password' }).fill('tulips');
  await offer.getByRole('button', { name: 'Set' }).click();
  await offer.waitFor({ state: 'detached' });
  assert.equal(await inPage(page, (h) => h.conference.callsOf('setRoomPassword'), null), [['tulips']]);
  const other = await joinAsAlice(ui, 'Fresh2', { script: { justCreated: true } });
  await other.getByRole('button', { name: 'Not now' }).click();
  await other.getByRole('region', { name: 'You created this meeting' }).waitFor({ state: 'detached' });
  assert.equal(await inPage(other, (h) => h.conference.callsOf('setRoomPassword'), null), []);
});

test('a participant who is not a moderator sees none of the moderator controls', async () => {
  const page = await joinAsAlice(ui, 'Guest', { script: { isModerator: false, justCreated: true } });
  await addBobAndCarol(page);
  await inPage(page, (h) => h.conference.patchRoom({ lobbyWaiting: [{ id: 'dan', displayName: 'Dan' }] }), null);
  await page.getByRole('group', { name: 'Bob Marley' }).getByRole('button', { name: 'Actions for Bob Marley' }).click();
  const items = await page.getByRole('menuitem').allTextContents();
  assert.equal(items.map((t) => t.trim()), ['Send private message', 'Pin to stage']);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Participants' }).click();
  const pane = page.getByRole('complementary', { name: 'Participants' });
  await pane.getByRole('heading', { name: 'Participants (3)' }).waitFor();
  assert.is(await pane.getByRole('button', { name: 'Mute everyone' }).count(), 0);
  assert.is(await pane.getByText('Dan').count(), 0, 'the lobby is for moderators');
  assert.is(await page.getByText('Dan is asking to join').count(), 0);
  await page.getByRole('button', { name: 'More options' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Security options' }).count(), 0);
  assert.is(await page.getByRole('region', { name: 'You created this meeting' }).count(), 0);
});

test('speaker stats list who spoke how long, longest first', async () => {
  const page = await joinAsAlice(ui, 'Stats');
  await addBobAndCarol(page);
  await inPage(page, (h) => {
    h.conference.speakerTimes = [{ id: 'bob', displayName: 'Bob Marley', speakingMs: 65_000 }, { id: 'carol', displayName: 'Carol Shaw', speakingMs: 3_725_000 }];
  }, null);
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: 'Speaker stats' }).click();
  const rows = page.getByRole('dialog', { name: 'Speaker stats' }).getByRole('row');
  await rows.nth(2).waitFor();
  assert.equal((await rows.allInnerTexts()).slice(1).map((r) => r.replace(/\s+/g, ' ').trim()), ['Carol Shaw 1:02:05', 'Bob Marley 1:05']);
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
