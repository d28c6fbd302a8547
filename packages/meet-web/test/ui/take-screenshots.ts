// Writes docs/screenshots/*.png: the welcome page, pre-join and a three-person meeting at desktop
// size, the meeting on a phone, the secure domain's waiting and login screens, a recorded meeting
// with a phone caller, the invite dialog with dial-in and a call being placed, and going live (dialog, LIVE badge). Run by hand
// after a design change (name shots to take only those, e.g. `… take-screenshots.ts waiting-for-host login`):
//   node --import tsx packages/meet-web/test/ui/take-screenshots.ts
// The meeting is played by the FAKE core with painted cameras, so the pictures show the design.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DIRECT_JOIN, addBobAndCarol, joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type Harness } from './ui-harness.ts';

const out = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function meeting(page: Page): Promise<void> {
  await addBobAndCarol(page);
  await inPage(page, (h) => {
    h.conference.patchParticipant('carol', { audioMuted: true, handRaisedAt: Date.now() });
    h.conference.patchParticipant('bob', { connectionQuality: 'fair' });
    h.conference.patch({ dominantSpeaker: 'bob' });
    h.conference.receiveChat('bob', 'Slides are up in a minute');
  }, null);
  await page.getByRole('group', { name: 'Carol Shaw' }).waitFor();
  // Let the painted cameras deliver frames.
  await page.waitForTimeout(800);
}

/** The shots named on the command line, or all. */
const wanted = new Set(process.argv.slice(2));
const take = (name: string): boolean => wanted.size === 0 || wanted.has(name);

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const ui = await startUiHarness();
  try {
    if (take('waiting-for-host') || take('login')) {
      const guest = await ui.open(`/BoardMeeting${DIRECT_JOIN}`, { viewport: DESKTOP, media: 'painted', script: { waiting: 'host', isModerator: false } });
      await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
      if (take('waiting-for-host')) await guest.screenshot({ path: `${out}waiting-for-host.png` });
      await guest.getByRole('button', { name: 'I am the host: log in' }).click();
      await guest.getByLabel('User name').fill('hannah');
      await guest.getByLabel('Password').fill('not-her-password');
      await guest.getByRole('button', { name: 'Log in' }).click();
      await guest.getByRole('alert').getByText('That user name or password is not right.').waitFor();
      if (take('login')) await guest.screenshot({ path: `${out}login.png` });
    }
    if (take('recording')) {
      const recorded = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted', script: { isModerator: false } });
      await meeting(recorded);
      await inPage(recorded, (h) => {
        h.conference.patchRoom({ recording: { status: 'on', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined, downloadUrl: undefined } });
        h.addRemote('sip1', 'Caller ••• 4567', { isPhone: true, camera: false });
      }, null);
      await recorded.getByRole('img', { name: 'Recording' }).waitFor();
      await recorded.waitForTimeout(400);
      await recorded.screenshot({ path: `${out}recording.png` });
    }
    if (take('invite')) {
      const host = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted', script: {
        dialIn: { numbers: [{ country: 'US', number: '+1 555 0100', tollFree: false }, { country: 'DE', number: '+49 30 5550 1000', tollFree: true }], pin: '4815162342' },
      } });
      await meeting(host);
      await host.getByRole('button', { name: 'More options' }).click();
      await host.getByRole('menuitem', { name: 'Invite people' }).click();
      const dialog = host.getByRole('dialog', { name: 'Invite people' });
      await dialog.getByText(/Dial in:/).waitFor();
      await dialog.getByRole('textbox', { name: 'Phone number' }).fill('+1 555 0199');
      await dialog.getByRole('button', { name: 'Call' }).click();
      await dialog.getByText('Calling…').waitFor();
      await host.waitForTimeout(300);
      await host.screenshot({ path: `${out}invite.png` });
    }
    if (take('live-stream')) {
      const host = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted' });
      await meeting(host);
      await host.getByRole('button', { name: 'More options' }).click();
      await host.getByRole('menuitem', { name: 'Start live stream' }).click();
      const dialog = host.getByRole('dialog', { name: 'Start a live stream' });
      await dialog.getByLabel('Stream key or RTMP address').fill('abcd-efgh-ijkl-mnop-qrst');
      await host.waitForTimeout(300);
      await host.screenshot({ path: `${out}live-stream-dialog.png` });
      await dialog.getByRole('button', { name: 'Go live' }).click();
      await inPage(host, (h) => h.conference.patchRoom({ liveStream: { status: 'on', initiatorName: 'Alice Chen', startedByYou: true, failure: undefined } }), null);
      await host.getByRole('img', { name: 'Streaming live' }).waitFor();
      await host.waitForTimeout(400);
      await host.screenshot({ path: `${out}live-stream.png` });
    }
    if (wanted.size > 0) return;

    const welcome = await ui.open('/', { viewport: DESKTOP, storage: { 'plenum.recentRooms': JSON.stringify([
      { name: 'DesignReview', lastJoinedAt: Date.now() - 3_600_000 }, { name: 'WeeklyPlanning', lastJoinedAt: Date.now() - 86_400_000 }]) } });
    await welcome.getByRole('button', { name: 'Start meeting' }).waitFor();
    await welcome.screenshot({ path: `${out}welcome.png` });

    const prejoin = await ui.open('/CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted', storage: { 'plenum.displayName': 'Alice Chen' } });
    await prejoin.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
    // A click lets the meter's audio context run; then wait for the fake microphone's beep.
    await prejoin.getByLabel('Your name').click();
    await prejoin.waitForFunction(() => Number((globalThis as unknown as { harness: Harness }).harness
      .deepQuery('[role=meter]')?.getAttribute('aria-valuenow') ?? 0) > 40, null, { timeout: 15000 });
    await prejoin.locator('body').click({ position: { x: 5, y: 790 } });
    await prejoin.screenshot({ path: `${out}prejoin.png` });

    const desktop = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted' });
    await meeting(desktop);
    await desktop.screenshot({ path: `${out}conference.png` });

    const phone = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: PHONE, media: 'painted' });
    await meeting(phone);
    await phone.screenshot({ path: `${out}conference-phone.png` });

    const share = await joinAsAlice(ui, 'CalmOttersMeetGently', { viewport: DESKTOP, media: 'painted' });
    await meeting(share);
    await inPage(share, (h) => h.shareScreen('carol', 'Roadmap 2027'), null);
    await share.getByRole('main', { name: 'Speaker view' }).waitFor();
    await share.keyboard.press('c');
    await share.waitForTimeout(800);
    await share.screenshot({ path: `${out}conference-share-chat.png` });
  } finally {
    await ui.close();
  }
}

await main();
