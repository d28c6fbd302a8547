// Writes the screenshots of recorders and phone callers in an end-to-end encrypted meeting, played
// by the FAKE core with painted cameras:
//   docs/screenshots/e2ee-phone-recorder.png   the top bar's badge ("a phone caller and the recorder
//                                              hold keys") and the participant list with the caller's key state
//   docs/screenshots/e2ee-services-dialog.png  the E2EE dialog: what the recorder and the gateway do with the keys
//   docs/screenshots/e2ee-keyless-gateway.png  the same with a gateway that holds no keys: the warning and why
//   docs/screenshots/e2ee-admit-recorder.png   a moderator about to start a recording: "Admit recorder and start"
// Run by hand (it starts Chromium):
//   flock /tmp/plenum-browser.lock node --import tsx packages/meet-web/test/e2ee/take-e2ee-services-screenshot.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordingView } from '../../src/client/conference-api.ts';
import { addBobAndCarol, joinAsAlice } from '../ui/meeting.ts';
import { inPage, startUiHarness } from '../ui/ui-harness.ts';

const out = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const ui = await startUiHarness();
  try {
    const page = await joinAsAlice(ui, 'BoardMeeting', { viewport: { width: 1280, height: 800 }, media: 'painted' });
    await addBobAndCarol(page);
    const recording: RecordingView = { status: 'on', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined, downloadUrl: undefined };
    await inPage(page, (h, r) => {
      const keys = { hasKeys: true, encrypts: true, verified: false };
      h.conference.patch({ e2ee: { enabled: true, supported: true, recorders: [{ id: 'jibri1', hasKeys: true }] } });
      h.conference.patchParticipant('bob', { e2ee: { ...keys, verified: true } });
      h.conference.patchParticipant('carol', { e2ee: keys });
      h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: keys });
      h.conference.patchRoom({ recording: r });
    }, recording);
    await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and the recorder hold keys' }).waitFor();
    // The recording notice covers the top bar for a while.
    await page.getByText('Bob Marley started recording this meeting.').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('button', { name: 'Participants' }).click();
    await page.getByRole('img', { name: 'Holds keys through the phone gateway' }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${out}e2ee-phone-recorder.png` });

    await page.getByRole('button', { name: /^End-to-end encrypted/ }).click();
    const dialog = page.getByRole('dialog', { name: 'End-to-end encryption' });
    await dialog.getByRole('listitem', { name: 'Keys of the recorder' }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}e2ee-services-dialog.png` });
    // An old gateway that holds no keys: the warning, and why.
    await inPage(page, (h) => h.conference.patchParticipant('sip1', { e2ee: { hasKeys: false, encrypts: false, verified: false } }), null);
    await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller cannot decrypt' }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}e2ee-keyless-gateway.png` });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Alice starts a recording of her own in another encrypted meeting.
    const second = await joinAsAlice(ui, 'BoardMeeting', { viewport: { width: 1280, height: 800 }, media: 'painted' });
    await addBobAndCarol(second);
    await inPage(second, (h) => {
      const keys = { hasKeys: true, encrypts: true, verified: false };
      h.conference.patch({ e2ee: { enabled: true, supported: true } });
      h.conference.patchParticipant('bob', { e2ee: keys });
      h.conference.patchParticipant('carol', { e2ee: keys });
    }, null);
    await second.getByRole('button', { name: 'More options' }).click();
    await second.getByRole('menuitem', { name: 'Start recording' }).click();
    await second.getByRole('button', { name: 'Admit recorder and start' }).waitFor();
    await second.waitForTimeout(300);
    await second.screenshot({ path: `${out}e2ee-admit-recorder.png` });
  } finally {
    await ui.close();
  }
}

await main();
