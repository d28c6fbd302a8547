// Recording in the meeting's views, against a FAKE conference core (harness/fake-conference.ts):
// everyone sees the REC indicator and is told when recording starts and stops; only moderators get
// the start/stop control; a refused start says why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { DIRECT_JOIN, addBobAndCarol, joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const calls = (page: Page): Promise<unknown[][]> =>
  inPage(page, (h) => h.conference.calls.filter((c) => c.method !== 'join' && c.method !== 'dialInInfo').map((c) => [c.method, ...c.args]), null);

async function moreMenuItems(page: Page): Promise<string[]> {
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menu', { name: 'More options' }).waitFor();
  const items = (await page.getByRole('menuitem').allTextContents()).map((t) => t.trim());
  await page.keyboard.press('Escape');
  return items;
}

test('everyone sees REC while the meeting is recorded and is told when it starts and stops; guests get no control', async () => {
  const page = await joinAsAlice(ui, 'Recorded', { script: { isModerator: false } });
  await addBobAndCarol(page);
  assert.is(await page.getByRole('img', { name: 'Recording' }).count(), 0, 'no indicator before');
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'pending', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined, downloadUrl: undefined } }), null);
  await page.getByRole('img', { name: 'Starting recording' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'on', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined, downloadUrl: undefined } }), null);
  const rec = page.getByRole('img', { name: 'Recording' });
  await rec.waitFor();
  assert.is((await rec.textContent())?.trim(), 'REC');
  await page.getByRole('status').getByText('Bob Marley started recording this meeting.').waitFor();
  assert.not.ok((await moreMenuItems(page)).some((t) => /recording/i.test(t)), 'a guest has no recording control');
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'off', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined } }), null);
  await rec.waitFor({ state: 'detached' });
  await page.getByRole('status').getByText('Recording stopped.').waitFor();
});

test('joining a meeting that is already being recorded says so', async () => {
  const page = await ui.open(`/AlreadyRecorded${DIRECT_JOIN}`, { script: { holdJoin: true, isModerator: false } });
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'on', initiatorName: undefined, startedByYou: false, failure: undefined, downloadUrl: undefined } }), null);
  await inPage(page, (h) => h.conference.finishJoin(), null);
  await page.getByRole('img', { name: 'Recording' }).waitFor();
  await page.getByRole('status').getByText('This meeting is being recorded.').waitFor();
});

test('a recording that fails is reported as an error to everyone', async () => {
  const page = await joinAsAlice(ui, 'RecordingFails', { script: { isModerator: false } });
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'on', initiatorName: 'Bob', startedByYou: false, failure: undefined, downloadUrl: undefined } }), null);
  await page.getByRole('img', { name: 'Recording' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ recording: { status: 'off', initiatorName: undefined, startedByYou: false, failure: 'error', downloadUrl: undefined } }), null);
  await page.getByText('The recording stopped because of an error. What was recorded so far is kept.').waitFor();
  assert.is(await page.getByRole('img', { name: 'Recording' }).count(), 0);
});

test('a moderator starts and stops recording from the More menu', async () => {
  const page = await joinAsAlice(ui, 'ModeratorRecords');
  await page.getByRole('button', { name: 'More options' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Stop recording' }).count(), 0);
  await page.getByRole('menuitem', { name: 'Start recording' }).click();
  await page.getByRole('img', { name: 'Starting recording' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ recording: { ...h.conference.snapshot.room.recording, status: 'on' } }), null);
  await page.getByRole('img', { name: 'Recording' }).waitFor();
  await page.getByText('You started recording. Everyone sees that this meeting is being recorded.').waitFor();
  await page.getByRole('button', { name: 'More options' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Start recording' }).count(), 0, 'no second start while recording');
  await page.getByRole('menuitem', { name: 'Stop recording' }).click();
  await page.getByRole('img', { name: 'Recording' }).waitFor({ state: 'detached' });
  assert.equal(await calls(page), [['startRecording'], ['stopRecording']]);
  // The focus hands the finished recording's link to whoever started it.
  await inPage(page, (h) => h.conference.patchRoom({ recording: { ...h.conference.snapshot.room.recording, downloadUrl: 'http://127.0.0.1:9/recordings/abc?token=t0k3n' } }), null);
  const link = page.getByRole('link', { name: 'Download recording' });
  assert.is(await link.getAttribute('href'), 'http://127.0.0.1:9/recordings/abc?token=t0k3n');
  await page.getByText('Your recording is ready: download it from the top bar.').waitFor();
});

test('a refused start shows why: all recorders busy, none on this server, not a moderator', async () => {
  const busy = await joinAsAlice(ui, 'Busy', { script: { recordingError: 'busy' } });
  await busy.getByRole('button', { name: 'More options' }).click();
  await busy.getByRole('menuitem', { name: 'Start recording' }).click();
  await busy.getByRole('status').getByText('All recorders are busy. Try again in a few minutes.').waitFor();
  assert.is(await busy.getByRole('img', { name: /recording/i }).count(), 0, 'no indicator for a recording that did not start');
  const none = await joinAsAlice(ui, 'NoRecorder', { script: { recordingError: 'unavailable' } });
  await none.getByRole('button', { name: 'More options' }).click();
  await none.getByRole('menuitem', { name: 'Start recording' }).click();
  await none.getByRole('status').getByText('Recording is not available: no recorder runs on this server.').waitFor();
  // The focus decides who moderates: a start it refuses (say, a role taken away meanwhile) says so.
  const refused = await joinAsAlice(ui, 'Refused', { script: { recordingError: 'not-allowed' } });
  await refused.getByRole('button', { name: 'More options' }).click();
  await refused.getByRole('menuitem', { name: 'Start recording' }).click();
  await refused.getByRole('status').getByText('Only moderators can start the recording.').waitFor();
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
