// Writes docs/screenshots/e2ee-phone-recorder.png: an end-to-end encrypted meeting with a phone
// caller while it is recorded, the top bar's badge warning that neither can decrypt. Played by the FAKE core with painted cameras. Run by hand:
//   node --import tsx packages/meet-web/test/e2ee/take-e2ee-services-screenshot.ts
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
      h.conference.patch({ e2ee: { enabled: true, supported: true } });
      h.conference.patchParticipant('bob', { e2ee: keys });
      h.conference.patchParticipant('carol', { e2ee: keys });
      h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false, e2ee: { hasKeys: false, encrypts: false, verified: false } });
      h.conference.patchRoom({ recording: r });
    }, recording);
    await page.getByRole('button', { name: 'End-to-end encrypted; a phone caller and the recorder cannot decrypt' }).waitFor();
    // The recording notice covers the top bar for a while.
    await page.getByText('Bob Marley started recording this meeting.').waitFor({ state: 'detached', timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${out}e2ee-phone-recorder.png` });
  } finally {
    await ui.close();
  }
}

await main();
