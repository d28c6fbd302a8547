// Phones in the meeting's views, against a FAKE conference core (harness/fake-conference.ts): a
// phone caller shows a phone instead of a camera; the invite dialog gives the link and, when the
// server offers dial-in, number and PIN; moderators call a phone in and hang up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { addBobAndCarol, joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const DIAL_IN = {
  numbers: [{ country: 'US', number: '+1 555 0100', tollFree: false }, { country: 'DE', number: '+49 30 5550 1000', tollFree: true }],
  pin: '4815162342',
};

async function openInvite(page: Page) {
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await dialog.waitFor();
  return dialog;
}

test('a phone caller shows a phone instead of a camera, on the tile and in the participant list', async () => {
  const page = await joinAsAlice(ui, 'PhoneCaller');
  await addBobAndCarol(page);
  await inPage(page, (h) => h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, audioMuted: true }), null);
  const tile = page.getByRole('group', { name: 'Caller ••• 4567' });
  await tile.getByRole('img', { name: 'Joined by phone' }).waitFor();
  await tile.getByRole('img', { name: 'Microphone off' }).waitFor();
  assert.is(await tile.locator('video').count(), 0, 'no video element for a phone');
  // A phone cannot read chat or moderate: its menu offers neither.
  await tile.getByRole('button', { name: 'Actions for Caller ••• 4567' }).click();
  assert.equal((await page.getByRole('menuitem').allTextContents()).map((t) => t.trim()), ['Pin to stage', 'Remove from meeting']);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Participants' }).click();
  const row = page.getByRole('complementary', { name: 'Participants' }).getByRole('listitem', { name: 'Caller ••• 4567' });
  await row.getByRole('img', { name: 'Joined by phone' }).waitFor();
  assert.is(await row.getByRole('img', { name: /Camera/ }).count(), 0, 'no camera state for a phone');
  await page.getByRole('heading', { name: 'Participants (4)' }).waitFor();
  await page.getByRole('button', { name: 'Close participants' }).click();
  // A phone being called shows the gateway's progress until it is answered.
  await inPage(page, (h) => h.addRemote('sip2', 'Phone •••• 99', { isPhone: true, camera: false, callStatus: 'Ringing' }), null);
  const ringing = page.getByRole('group', { name: 'Phone •••• 99' });
  await ringing.getByRole('status').getByText('Ringing…').waitFor();
  await inPage(page, (h) => h.conference.patchParticipant('sip2', { callStatus: undefined }), null);
  await ringing.getByRole('status').waitFor({ state: 'detached' });
  // The caller unmutes with *6: the mute icon goes.
  await inPage(page, (h) => h.conference.patchParticipant('sip1', { audioMuted: false }), null);
  await tile.getByRole('img', { name: 'Microphone off' }).waitFor({ state: 'detached' });
});

test('the invite dialog gives the link, and the dial-in number with the PIN when the server offers it', async () => {
  const page = await joinAsAlice(ui, 'InviteMe', { script: { isModerator: false, dialIn: DIAL_IN } });
  const dialog = await openInvite(page);
  assert.is(await dialog.getByRole('textbox', { name: 'Meeting link' }).inputValue(), `${ui.origin}/InviteMe`);
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await dialog.getByRole('status').getByText(/^Copied\.|Ctrl\+C/).waitFor();
  await dialog.getByText('Dial in: +1 555 0100, PIN 4815162342#').waitFor();
  const numbers = (await dialog.getByRole('list', { name: 'Dial-in numbers' }).getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.equal(numbers, ['US +1 555 0100', 'DE +49 30 5550 1000 toll-free']);
  assert.is(await dialog.getByRole('textbox', { name: 'Phone number' }).count(), 0, 'calling out is for moderators');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  const without = await joinAsAlice(ui, 'NoDialIn');
  const plain = await openInvite(without);
  await plain.getByRole('textbox', { name: 'Meeting link' }).waitFor();
  await plain.getByRole('heading', { name: 'Call a phone into the meeting' }).waitFor();
  assert.is(await plain.getByText(/Dial in/).count(), 0, 'no dial-in section when the server has none');
});

test('a moderator calls a phone in: calling, then in the meeting with a phone tile, then hangs up', async () => {
  const page = await joinAsAlice(ui, 'DialOut');
  await addBobAndCarol(page);
  const dialog = await openInvite(page);
  await dialog.getByRole('textbox', { name: 'Phone number' }).fill('+1 555 0199');
  await dialog.getByRole('button', { name: 'Call' }).click();
  const call = dialog.getByRole('listitem', { name: 'Call to +1 555 0199' });
  await call.getByText('Calling…').waitFor();
  await inPage(page, (h) => h.conference.answerCall('call1', {
    id: 'sip7', isLocal: false, displayName: 'Caller ••• 0199', role: 'participant', audioMuted: false, videoMuted: true, handRaisedAt: undefined,
    screenSharing: false, isPhone: true, connectionQuality: 'unknown', audioStream: undefined, cameraStream: undefined, screenStream: undefined,
    cameraSourceName: undefined, screenSourceName: undefined,
  }), null);
  await call.getByText('In the meeting').waitFor();
  await call.getByRole('button', { name: 'Hang up +1 555 0199' }).click();
  await call.getByText('Ended').waitFor();
  assert.is(await call.getByRole('button', { name: /Hang up/ }).count(), 0);
  await page.keyboard.press('Escape');
  await page.getByRole('group', { name: 'Caller ••• 0199' }).waitFor({ state: 'detached' });
  assert.equal(await inPage(page, (h) => h.conference.calls.filter((c) => c.method === 'dialOut' || c.method === 'hangUp').map((c) => [c.method, ...c.args]), null),
    [['dialOut', '+1 555 0199'], ['hangUp', 'call1']]);
});

test('a call that cannot be placed says why', async () => {
  const page = await joinAsAlice(ui, 'NoGateway', { script: { dialError: 'unavailable' } });
  const dialog = await openInvite(page);
  await dialog.getByRole('textbox', { name: 'Phone number' }).fill('0301234567');
  await dialog.getByRole('button', { name: 'Call' }).click();
  await dialog.getByRole('alert').getByText('Calling phones is not available: no phone gateway runs on this server.').waitFor();
  await dialog.getByRole('listitem', { name: 'Call to 0301234567' }).getByText('Failed').waitFor();
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
