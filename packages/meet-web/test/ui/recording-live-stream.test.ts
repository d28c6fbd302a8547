// Live streaming in the meeting's views, against a FAKE conference core (harness/fake-conference.ts):
// a moderator starts a stream from the More menu with a stream key or rtmp:// address (checked
// before it is sent, hidden while typed), everyone sees LIVE while it is on and is told when it
// starts and ends; guests get no control.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { addBobAndCarol, joinAsAlice } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

const calls = (page: Page): Promise<unknown[][]> =>
  inPage(page, (h) => h.conference.calls.filter((c) => /LiveStream/.test(c.method)).map((c) => [c.method, ...c.args]), null);

test('a moderator goes live with a stream key: the dialog checks it, everyone sees LIVE, the moderator stops it', async () => {
  const page = await joinAsAlice(ui, 'LiveShow');
  await page.getByRole('button', { name: 'More options' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Stop live stream' }).count(), 0);
  await page.getByRole('menuitem', { name: 'Start live stream' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start a live stream' });
  await dialog.waitFor();
  const input = dialog.getByLabel('Stream key or RTMP address');
  assert.is(await input.getAttribute('type'), 'password', 'the key is not shown in clear text');
  await input.fill('file:///etc/passwd');
  await dialog.getByRole('button', { name: 'Go live' }).click();
  await dialog.getByRole('alert').getByText('That is not a stream key or an rtmp:// address.').waitFor();
  assert.equal(await calls(page), [], 'nothing is sent for a bad target');
  await input.fill('  abcd-efgh-ijkl-mnop ');
  await dialog.getByRole('button', { name: 'Go live' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('img', { name: 'Starting the live stream' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ liveStream: { status: 'on', initiatorName: 'Alice', startedByYou: true, failure: undefined } }), null);
  const live = page.getByRole('img', { name: 'Streaming live' });
  await live.waitFor();
  assert.is((await live.textContent())?.trim(), 'LIVE');
  await page.getByRole('status').getByText('You are live. Everyone sees that this meeting is streamed.').waitFor();
  assert.is(await page.getByRole('img', { name: 'Recording' }).count(), 0, 'a live stream is not shown as a recording');
  await page.getByRole('button', { name: 'More options' }).click();
  assert.is(await page.getByRole('menuitem', { name: 'Start live stream' }).count(), 0, 'no second start while live');
  await page.getByRole('menuitem', { name: 'Stop live stream' }).click();
  await live.waitFor({ state: 'detached' });
  await page.getByRole('status').getByText('The live stream has ended.').waitFor();
  assert.equal(await calls(page), [['startLiveStream', 'abcd-efgh-ijkl-mnop'], ['stopLiveStream']]);
});

test('an rtmp:// address is taken as it is', async () => {
  const page = await joinAsAlice(ui, 'LiveRtmp');
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menuitem', { name: 'Start live stream' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start a live stream' });
  await dialog.getByLabel('Stream key or RTMP address').fill('rtmps://live.example.org:443/app/s3cr3t');
  await dialog.getByRole('button', { name: 'Go live' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await calls(page), [['startLiveStream', 'rtmps://live.example.org:443/app/s3cr3t']]);
});

test('guests see LIVE and are told when the stream starts and ends, and get no control', async () => {
  const page = await joinAsAlice(ui, 'LiveGuest', { script: { isModerator: false } });
  await addBobAndCarol(page);
  await inPage(page, (h) => h.conference.patchRoom({ liveStream: { status: 'pending', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined } }), null);
  await page.getByRole('img', { name: 'Starting the live stream' }).waitFor();
  await inPage(page, (h) => h.conference.patchRoom({ liveStream: { status: 'on', initiatorName: 'Bob Marley', startedByYou: false, failure: undefined } }), null);
  await page.getByRole('img', { name: 'Streaming live' }).waitFor();
  await page.getByRole('status').getByText('Bob Marley started streaming this meeting live.').waitFor();
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('menu', { name: 'More options' }).waitFor();
  const items = (await page.getByRole('menuitem').allTextContents()).join(' ');
  assert.not.match(items, /live stream/i, 'a guest has no live stream control');
  await page.keyboard.press('Escape');
  await inPage(page, (h) => h.conference.patchRoom({ liveStream: { status: 'off', initiatorName: undefined, startedByYou: false, failure: 'error' } }), null);
  await page.getByRole('img', { name: 'Streaming live' }).waitFor({ state: 'detached' });
  await page.getByText('The live stream stopped because of an error.').waitFor();
});

test.run();
