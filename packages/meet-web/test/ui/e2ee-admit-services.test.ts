// Before a moderator brings a recorder or a phone gateway into an end-to-end encrypted meeting,
// the views say that it will hold the meeting's keys and what that means, and the button says so
// ("Admit recorder and start"); in a meeting that is not encrypted nothing of that is said and
// recording starts at once, as before. Against the FAKE conference core (harness/fake-conference.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { ADMIT_GATEWAY_TEXT, ADMIT_RECORDER_TEXT, ADMIT_STREAMER_TEXT, DIAL_IN_E2EE_TEXT } from '../../src/ui/e2ee-text.ts';
import { joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const DIAL_IN = { numbers: [{ country: 'US', number: '+1 555 0100', tollFree: false }], pin: '4815162342' };
const calledWith = (page: Page, method: string): Promise<unknown[][]> =>
  inPage(page, (h, m) => h.conference.callsOf(m).map((args) => [...args]), method);

async function meeting(room: string, encrypted: boolean): Promise<Page> {
  const page = await joinAsAlice(ui, room, { script: { dialIn: DIAL_IN } });
  await inPage(page, (h, on) => h.conference.patch({ e2ee: { enabled: on, supported: true } }), encrypted);
  if (encrypted) await page.getByRole('button', { name: 'End-to-end encrypted' }).waitFor();
  return page;
}

async function menu(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

test('in an encrypted meeting, Start recording first says the recorder will hold the keys; it starts only on "Admit recorder and start"', async () => {
  const page = await meeting('SecretRecording', true);
  await menu(page, 'Start recording');
  const dialog = page.getByRole('dialog', { name: 'Record this encrypted meeting?' });
  await dialog.getByText(ADMIT_RECORDER_TEXT).waitFor();
  assert.match(ADMIT_RECORDER_TEXT, /the recorder is admitted to the meeting's keys: it sees and hears the meeting, and the recording is stored unencrypted on the server/);
  assert.equal(await calledWith(page, 'startRecording'), [], 'nothing started yet');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await calledWith(page, 'startRecording'), [], 'cancelled: no recording');

  await menu(page, 'Start recording');
  await dialog.getByRole('button', { name: 'Admit recorder and start' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('img', { name: 'Starting recording' }).waitFor();
  assert.equal(await calledWith(page, 'startRecording'), [[]]);
});

test('in a meeting that is not encrypted, Start recording starts at once and nothing speaks of keys', async () => {
  const page = await meeting('PlainRecording', false);
  await menu(page, 'Start recording');
  await page.getByRole('img', { name: 'Starting recording' }).waitFor();
  assert.equal(await calledWith(page, 'startRecording'), [[]]);
  assert.is(await page.getByRole('dialog').count(), 0, 'no confirmation');
  assert.is(await page.getByText(/admitted to the meeting's keys/).count(), 0);
});

test('the live stream dialog says the recorder will hold the keys, and its button admits it', async () => {
  const page = await meeting('SecretStream', true);
  await menu(page, 'Start live stream');
  const dialog = page.getByRole('dialog', { name: 'Start a live stream' });
  await dialog.getByText(ADMIT_STREAMER_TEXT).waitFor();
  await dialog.getByLabel('Stream key or RTMP address').fill('abcd-efgh-ijkl-mnop');
  await dialog.getByRole('button', { name: 'Admit recorder and go live' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await calledWith(page, 'startLiveStream'), [['abcd-efgh-ijkl-mnop']]);

  const plain = await meeting('PlainStream', false);
  await menu(plain, 'Start live stream');
  const plainDialog = plain.getByRole('dialog', { name: 'Start a live stream' });
  await plainDialog.getByRole('button', { name: 'Go live', exact: true }).waitFor();
  assert.is(await plainDialog.getByText(ADMIT_STREAMER_TEXT).count(), 0);
});

test('the invite dialog says callers join through a gateway holding the keys, and a call admits it', async () => {
  const page = await meeting('SecretPhones', true);
  await menu(page, 'Invite people');
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await dialog.getByText('Dial in: +1 555 0100, PIN 4815162342#').waitFor();
  await dialog.getByText(DIAL_IN_E2EE_TEXT).waitFor();
  await dialog.getByText(ADMIT_GATEWAY_TEXT).waitFor();
  await dialog.getByRole('textbox', { name: 'Phone number' }).fill('+1 555 0199');
  await dialog.getByRole('button', { name: 'Admit gateway and call' }).click();
  await dialog.getByRole('listitem', { name: 'Call to +1 555 0199' }).getByText('Calling…').waitFor();
  assert.equal(await calledWith(page, 'dialOut'), [['+1 555 0199']]);

  const plain = await meeting('PlainPhones', false);
  await menu(plain, 'Invite people');
  const plainDialog = plain.getByRole('dialog', { name: 'Invite people' });
  await plainDialog.getByText('Dial in: +1 555 0100, PIN 4815162342#').waitFor();
  await plainDialog.getByRole('button', { name: 'Call', exact: true }).waitFor();
  assert.is(await plainDialog.getByText(/holds this meeting's keys|admitted to the meeting's keys/).count(), 0);
  assert.equal(ui.pageErrors, []);
});

test.run();
