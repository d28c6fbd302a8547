// What people are told about recorders and phone callers in an end-to-end encrypted meeting,
// against the FAKE conference core (test/ui/harness). Both take part by holding the meeting's keys:
// the top bar's badge says so, its tooltip and the E2EE dialog say what that means (the recorder
// sees and hears the meeting and stores it unencrypted; the gateway hears it and the call crosses
// the phone network unencrypted). One that holds no keys (an old gateway, a recorder that could not
// pair) is a warning: it cannot decrypt, and why. Nothing of this while the meeting is not
// encrypted. (A fake core stands in for the real recorder and gateway: what the real core reports
// for them, an occupant's identity key and pairing, is covered by the core's and KeySession's tests.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { RecordingView } from '../../src/client/conference-api.ts';
import { PHONE_HOLDS_KEYS_TEXT, PHONE_NO_KEYS_TEXT, RECORDER_NO_KEYS_TEXT, recorderHoldsKeysText } from '../../src/ui/e2ee-text.ts';
import { joinAsAlice } from '../ui/meeting.ts';
import { inPage, startUiHarness, type UiHarness } from '../ui/ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const badge = (page: Page) => page.getByRole('button', { name: /^End-to-end encrypted/ });
const recording = (status: 'off' | 'on'): RecordingView => ({ status, initiatorName: 'Alice', startedByYou: true, failure: undefined, downloadUrl: undefined });
const KEYS = { hasKeys: true, encrypts: true, verified: false };
const NO_KEYS = { hasKeys: false, encrypts: false, verified: false };

/** Alice, moderator, in an encrypted meeting with Bob (who holds keys). */
async function encryptedMeeting(room: string): Promise<Page> {
  const page = await joinAsAlice(ui, room);
  await inPage(page, (h, keys) => {
    h.conference.patch({ e2ee: { enabled: true, supported: true } });
    h.addRemote('bob', 'Bob Marley', { e2ee: keys });
  }, KEYS);
  await page.getByRole('button', { name: 'End-to-end encrypted, 0 of 1 verified' }).waitFor();
  return page;
}

async function openE2eeDialog(page: Page) {
  await badge(page).click();
  const dialog = page.getByRole('dialog', { name: 'End-to-end encryption' });
  await dialog.waitFor();
  return dialog;
}

test('a recorder and a phone caller holding keys: the badge says so, its tooltip and the dialog say what they hear and where it goes', async () => {
  const page = await encryptedMeeting('KeyedServices');
  assert.is(await badge(page).getAttribute('title'), null, 'nothing to explain while only people hold keys');

  await inPage(page, (h, r) => {
    h.conference.patch({ e2ee: { enabled: true, supported: true, recorders: [{ id: 'jibri1', hasKeys: true }] } });
    h.conference.patchRoom({ recording: r });
  }, recording('on'));
  await page.getByRole('button', { name: 'End-to-end encrypted; the recorder holds keys' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), recorderHoldsKeysText(true, false));
  assert.match(recorderHoldsKeysText(true, false), /holds this meeting's keys: it sees and hears the meeting and stores the recording unencrypted on the server/);

  await inPage(page, (h, keys) => h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: keys }), KEYS);
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and the recorder hold keys' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), `${recorderHoldsKeysText(true, false)} ${PHONE_HOLDS_KEYS_TEXT}`);
  assert.match(PHONE_HOLDS_KEYS_TEXT, /holds keys through the phone gateway: the gateway hears the meeting, and the call itself crosses the phone network unencrypted/);

  const dialog = await openE2eeDialog(page);
  const phone = dialog.getByRole('listitem', { name: 'Keys of Caller ••• 4567' });
  await phone.getByText('Holds keys', { exact: true }).waitFor();
  await phone.getByText(PHONE_HOLDS_KEYS_TEXT).waitFor();
  assert.is(await phone.getByRole('list', { name: /Emoji to compare/ }).count(), 0, 'no emoji to compare with a gateway');
  const recorder = dialog.getByRole('listitem', { name: 'Keys of the recorder' });
  await recorder.getByText('Holds keys', { exact: true }).waitFor();
  await recorder.getByText(recorderHoldsKeysText(true, false)).waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // The participant list shows the caller's key state like anyone's.
  await page.getByRole('button', { name: 'Participants' }).click();
  const row = page.getByRole('complementary', { name: 'Participants' }).getByRole('listitem', { name: 'Caller ••• 4567' });
  await row.getByRole('img', { name: 'Holds keys through the phone gateway' }).waitFor();

  // Streaming too: the recorder's sentence says where the stream goes.
  await inPage(page, (h) => h.conference.patchRoom({ liveStream: { status: 'on', initiatorName: 'Alice', startedByYou: true, failure: undefined } }), null);
  await page.waitForFunction(() => (globalThis as unknown as { harness: { deepQuery(s: string): Element | null } }).harness.deepQuery('meet-e2ee-badge')
    ?.shadowRoot?.querySelector('button')?.title.includes('streaming service') === true);
  assert.match(await badge(page).getAttribute('title') ?? '', /stores the recording unencrypted on the server and sends the live stream unencrypted to the streaming service/);
  assert.equal(ui.pageErrors, []);
});

test('a recorder or phone caller without keys is a warning that says why; it changes once the recorder pairs', async () => {
  const page = await encryptedMeeting('KeylessServices');
  await inPage(page, (h, a) => {
    h.conference.patch({ e2ee: { enabled: true, supported: true, recorders: [{ id: 'jibri1', hasKeys: false }] } });
    h.conference.patchRoom({ recording: a.r });
    h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: a.noKeys });
  }, { r: recording('on'), noKeys: NO_KEYS });
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and the recorder cannot decrypt' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), `${RECORDER_NO_KEYS_TEXT} ${PHONE_NO_KEYS_TEXT}`);
  assert.match(RECORDER_NO_KEYS_TEXT, /holds no keys \(it does not support end-to-end encryption, or could not pair\).*no picture or sound/);
  assert.match(PHONE_NO_KEYS_TEXT, /the caller hears nothing, and nobody hears the caller/);

  const dialog = await openE2eeDialog(page);
  for (const [row, why] of [['Keys of Caller ••• 4567', PHONE_NO_KEYS_TEXT], ['Keys of the recorder', RECORDER_NO_KEYS_TEXT]] as const) {
    await dialog.getByRole('listitem', { name: row }).getByText('Holds no keys', { exact: true }).waitFor();
    await dialog.getByRole('listitem', { name: row }).getByText(why).waitFor();
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Participants' }).click();
  await page.getByRole('complementary', { name: 'Participants' }).getByRole('listitem', { name: 'Caller ••• 4567' })
    .getByRole('img', { name: 'Holds no keys: cannot hear or be heard' }).waitFor();

  // The recorder pairs: only the caller is left without keys (the warning wins the label, the tooltip has both).
  await inPage(page, (h) => h.conference.patch({ e2ee: { enabled: true, supported: true, recorders: [{ id: 'jibri1', hasKeys: true }] } }), null);
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller cannot decrypt' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), `${recorderHoldsKeysText(true, false)} ${PHONE_NO_KEYS_TEXT}`);

  // A browser without keys is counted next to the services, as before.
  await inPage(page, (h, noKeys) => h.addRemote('carol', 'Carol Shaw', { e2ee: noKeys }), NO_KEYS);
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and 1 other cannot decrypt' }).waitFor();
  await inPage(page, (h) => {
    h.conference.removeParticipant('carol');
    h.conference.removeParticipant('sip1');
    h.conference.patch({ e2ee: { enabled: true, supported: true, recorders: [] } });
  }, null);
  await page.getByRole('button', { name: 'End-to-end encrypted, 0 of 1 verified' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), null, 'the notes go with them');
});

test('with E2EE off, a phone caller and a recorder raise no encryption note', async () => {
  const page = await joinAsAlice(ui, 'PlainWithPhone');
  await inPage(page, (h, a) => {
    h.conference.patch({ e2ee: { enabled: false, supported: true, recorders: [{ id: 'jibri1', hasKeys: false }] } });
    h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: a.noKeys });
    h.conference.patchRoom({ recording: a.r });
  }, { r: recording('on'), noKeys: NO_KEYS });
  await page.getByRole('group', { name: 'Caller ••• 4567' }).waitFor();
  await page.getByRole('img', { name: 'Recording' }).waitFor();
  assert.is(await badge(page).count(), 0, 'no E2EE badge');
  assert.is(await page.getByText(/cannot decrypt|holds? keys/).count(), 0);
  await page.getByRole('button', { name: 'Participants' }).click();
  const row = page.getByRole('complementary', { name: 'Participants' }).getByRole('listitem', { name: 'Caller ••• 4567' });
  await row.getByRole('img', { name: 'Joined by phone' }).waitFor();
  assert.is(await row.getByRole('img', { name: /keys/ }).count(), 0, 'no key state while nothing is encrypted');
  assert.equal(ui.pageErrors, []);
});

test.run();
