// What people are told when something is wrong, against a FAKE conference core
// (harness/fake-conference.ts): unreachable server, locked room, full room, waiting for the host,
// being removed, reconnecting, and a browser the operator refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECT_JOIN, joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

test('an unreachable server is explained and Try again joins again', async () => {
  const page = await ui.open(`/Down${DIRECT_JOIN}`, { script: { joinError: 'server-unreachable' } });
  await page.getByRole('alert').getByRole('heading', { name: "Can't reach the meeting server" }).waitFor();
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.waitForFunction(() => (globalThis as unknown as { harness: { conferences: unknown[] } }).harness.conferences.length === 2);
  await page.getByRole('button', { name: 'Back to start' }).click();
  await page.getByRole('button', { name: 'Start meeting' }).waitFor();
});

test('a locked room asks for the password, says when it is wrong, and joins with the right one', async () => {
  const page = await ui.open(`/Locked${DIRECT_JOIN}`, { script: { joinError: 'password-required', password: 'tulips' } });
  await page.getByRole('heading', { name: 'This meeting is locked' }).waitFor();
  await page.getByText('Enter the password for Locked').waitFor();
  await page.getByLabel('Password').fill('roses');
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await page.getByText('That password is not right. Try again.').waitFor();
  await page.getByLabel('Password').fill('tulips');
  await page.keyboard.press('Enter');
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  assert.equal(await inPage(page, (h) => h.conference.callsOf('submitPassword'), null), [['roses'], ['tulips']]);
});

test('a full room and a denied lobby request say so plainly', async () => {
  const full = await ui.open(`/Full${DIRECT_JOIN}`, { script: { joinError: 'room-full' } });
  await full.getByRole('heading', { name: 'This meeting is full' }).waitFor();
  const denied = await ui.open(`/Denied${DIRECT_JOIN}`, { script: { joinError: 'lobby-denied' } });
  await denied.getByRole('heading', { name: 'You were not let in' }).waitFor();
  assert.is(await denied.getByRole('button', { name: 'Try again' }).count(), 0);
});

test('a guest waits for the host and is in the meeting by itself when the host arrives', async () => {
  const page = await joinAsAliceWaiting('Early');
  await page.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ waiting: undefined }), null);
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  const lobby = await ui.open(`/Knock${DIRECT_JOIN}`, { script: { waiting: 'lobby' } });
  await lobby.getByRole('heading', { name: 'Asking to join…' }).waitFor();
  await lobby.getByRole('button', { name: 'Leave' }).click();
  await lobby.getByRole('heading', { name: 'You left the meeting' }).waitFor();
});

test('being removed, reconnecting and notices are shown', async () => {
  const page = await joinAsAlice(ui, 'Shaky');
  await inPage(page, (h) => h.conference.patch({ state: 'reconnecting' }), null);
  await page.getByRole('status').getByText('Reconnecting…').waitFor();
  await inPage(page, (h) => { h.conference.patch({ state: 'joined' }); h.conference.notice({ kind: 'warning', text: 'Bob muted you' }); }, null);
  await page.getByText('Bob muted you').waitFor();
  assert.is(await page.getByText('Reconnecting…').count(), 0);
  await inPage(page, (h) => h.conference.end('kicked'), null);
  await page.getByRole('heading', { name: 'You were removed from the meeting' }).waitFor();
  assert.is(await page.getByRole('button', { name: 'Rejoin' }).count(), 0);
});

test('a direct join without camera access still joins and says why there is no picture', async () => {
  const page = await joinAsAlice(ui, 'NoCamera', { media: 'denied' });
  await page.getByText('Camera and microphone are blocked. Click the camera icon in the address bar').waitFor();
  assert.is(await inPage(page, (h) => h.conference.callsOf('join').length, null), 1);
});

test('a browser the operator refuses gets a page naming what to use', async () => {
  const page = await ui.open('/Any', { config: { unsupportedBrowsers: ['chromium'] } });
  await page.getByRole('heading', { name: "Chrome isn't supported here" }).waitFor();
  await page.getByText('Please open this link in Edge, Firefox or Safari.').waitFor();
  assert.is(await inPage(page, (h) => h.conferences.length, null), 0);
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

function joinAsAliceWaiting(room: string) {
  return ui.open(`/${room}${DIRECT_JOIN}`, { script: { waiting: 'host', isModerator: false } });
}

test.run();
