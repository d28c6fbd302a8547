// The warning about phone callers and recorders in an end-to-end encrypted meeting, against the
// FAKE conference core (test/ui/harness): neither holds keys, so with E2EE on a phone caller hears
// nothing and a recording has no picture or sound. The top bar's badge names them and explains why;
// it says nothing of them while the meeting is not encrypted. (A fake core stands in for a real
// gateway and recorder here: what the real core reports for them, an occupant with the jigasi
// feature and no identity key, and the focus's recording status, is covered by the core's tests.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { RecordingView } from '../../src/client/conference-api.ts';
import { E2EE_SERVICES_TEXT } from '../../src/ui/e2ee-text.ts';
import { joinAsAlice } from '../ui/meeting.ts';
import { inPage, startUiHarness, type UiHarness } from '../ui/ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const badge = (page: Page) => page.getByRole('button', { name: /^End-to-end encrypted/ });
const recording = (status: 'off' | 'on'): RecordingView => ({ status, initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined });

test('with E2EE on, the badge warns that a phone caller and the recorder cannot decrypt, and says why', async () => {
  const page = await joinAsAlice(ui, 'EncryptedWithPhone');
  await inPage(page, (h) => {
    h.conference.patch({ e2ee: { enabled: true, supported: true } });
    h.addRemote('bob', 'Bob Marley', { e2ee: { hasKeys: true, encrypts: true, verified: false } });
  }, null);
  await badge(page).and(page.getByRole('button', { name: 'End-to-end encrypted, 0 of 1 verified' })).waitFor();
  assert.is(await badge(page).getAttribute('title'), null, 'no warning while everyone holds keys');

  await inPage(page, (h) => h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: { hasKeys: false, encrypts: false, verified: false } }), null);
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller cannot decrypt' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), E2EE_SERVICES_TEXT, 'the badge says what it means for the caller');
  assert.match(E2EE_SERVICES_TEXT, /phone callers hear nothing/);

  await inPage(page, (h, r) => h.conference.patchRoom({ recording: r }), recording('on'));
  await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and the recorder cannot decrypt' }).waitFor();
  await inPage(page, (h) => h.conference.removeParticipant('sip1'), null);
  await page.getByRole('button', { name: 'End-to-end encrypted; the recorder cannot decrypt' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), E2EE_SERVICES_TEXT);

  // A browser without keys (not a service) is counted as before, next to the services.
  await inPage(page, (h) => h.addRemote('carol', 'Carol Shaw', { e2ee: { hasKeys: false, encrypts: false, verified: false } }), null);
  await page.getByRole('button', { name: 'End-to-end encrypted; the recorder and 1 other cannot decrypt' }).waitFor();
  await inPage(page, (h, r) => {
    h.conference.removeParticipant('carol');
    h.conference.patchRoom({ recording: r });
  }, recording('off'));
  await page.getByRole('button', { name: 'End-to-end encrypted, 0 of 1 verified' }).waitFor();
  assert.is(await badge(page).getAttribute('title'), null, 'the warning goes with them');
});

test('with E2EE off, a phone caller and a recording raise no encryption warning', async () => {
  const page = await joinAsAlice(ui, 'PlainWithPhone');
  await inPage(page, (h, r) => {
    h.conference.patch({ e2ee: { enabled: false, supported: true } });
    h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: { hasKeys: false, encrypts: false, verified: false } });
    h.conference.patchRoom({ recording: r });
  }, recording('on'));
  await page.getByRole('group', { name: 'Caller ••• 4567' }).waitFor();
  await page.getByRole('img', { name: 'Recording' }).waitFor();
  assert.is(await badge(page).count(), 0, 'no E2EE badge');
  assert.is(await page.getByText(/cannot decrypt/).count(), 0);
  assert.equal(ui.pageErrors, []);
});

test.run();
