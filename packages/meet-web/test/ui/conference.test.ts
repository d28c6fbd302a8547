// The meeting view against a FAKE conference core (harness/fake-conference.ts): tiles, mute
// indicators, speaker view, screen share, chat, keyboard shortcuts, leaving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECT_JOIN, addBobAndCarol, joinAsAlice, stageName, tileNames } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

test('one tile per participant with their names; a leaver loses their tile', async () => {
  const page = await joinAsAlice(ui, 'Tiles');
  await addBobAndCarol(page);
  await page.getByRole('group', { name: 'Carol Shaw' }).waitFor();
  assert.equal(await tileNames(page), ['Alice (you)', 'Bob Marley', 'Carol Shaw']);
  assert.is(await page.getByLabel('3 in the meeting').count(), 1);
  assert.match(await page.getByRole('timer', { name: 'Time in the meeting' }).innerText(), /^\d+:\d\d$/);
  await page.waitForFunction(() => {
    const tiles = document.querySelector('meet-app')?.shadowRoot?.querySelector('meet-conference')?.shadowRoot?.querySelectorAll('meet-video-tile') ?? [];
    const bob = [...tiles].find((t) => t.shadowRoot?.querySelector('[aria-label="Bob Marley"]') !== null);
    const video = bob?.shadowRoot?.querySelector('video');
    return video !== undefined && video !== null && video.videoWidth > 0;
  });
  await inPage(page, (h) => h.conference.removeParticipant('carol'), null);
  await page.getByRole('group', { name: 'Carol Shaw' }).waitFor({ state: 'detached' });
  assert.equal(await tileNames(page), ['Alice (you)', 'Bob Marley']);
});

test('mute, camera, hand and connection indicators follow the snapshot', async () => {
  const page = await joinAsAlice(ui, 'Indicators');
  await addBobAndCarol(page);
  const bob = page.getByRole('group', { name: 'Bob Marley' });
  await bob.waitFor();
  assert.is(await bob.getByRole('img', { name: 'Microphone off' }).count(), 0);
  await inPage(page, (h) => h.conference.patchParticipant('bob', { audioMuted: true, handRaisedAt: 1, connectionQuality: 'poor', videoMuted: true }), null);
  await bob.getByRole('img', { name: 'Microphone off' }).waitFor();
  await bob.getByRole('img', { name: 'Hand raised' }).waitFor();
  await bob.getByRole('img', { name: 'Connection: poor' }).waitFor();
  assert.is(await bob.locator('video').count(), 0, 'camera off shows initials, not video');
  assert.is(await bob.getByText('BM', { exact: true }).count(), 1);
  await inPage(page, (h) => h.conference.patchParticipant('bob', { audioMuted: false }), null);
  await bob.getByRole('img', { name: 'Microphone off' }).waitFor({ state: 'detached' });
});

test('speaker view shows the dominant speaker large and follows the change', async () => {
  const page = await joinAsAlice(ui, 'Speaker');
  await addBobAndCarol(page);
  await inPage(page, (h) => h.conference.patch({ dominantSpeaker: 'carol' }), null);
  await page.getByRole('main', { name: 'Tile view' }).waitFor();
  await page.keyboard.press('w');
  await page.getByRole('main', { name: 'Speaker view' }).waitFor();
  assert.is(await stageName(page), 'Carol Shaw');
  const stage = await page.locator('meet-video-tile[data-stage]').boundingBox();
  const strip = await page.locator('meet-video-tile[compact]').first().boundingBox();
  assert.ok(stage !== null && strip !== null && stage.height > 3 * strip.height, 'the stage is much larger than the filmstrip');
  await inPage(page, (h) => h.conference.patch({ dominantSpeaker: 'bob' }), null);
  await page.waitForFunction(() => document.querySelector('meet-app')?.shadowRoot?.querySelector('meet-conference')?.shadowRoot
    ?.querySelector('meet-video-tile[data-stage]')?.shadowRoot?.querySelector('[aria-label="Bob Marley"]') != null);
  const last = await inPage(page, (h) => h.conference.constraints.at(-1), null);
  assert.equal(last?.onStage, ['bob-v0']);
  assert.is(last?.visible.find((v) => v.sourceName === 'bob-v0')?.maxHeight, 720);
  assert.is(last?.visible.find((v) => v.sourceName === 'carol-v0')?.maxHeight, 180);
});

test('a screen share is shown large', async () => {
  const page = await joinAsAlice(ui, 'Share');
  await addBobAndCarol(page);
  await inPage(page, (h) => h.shareScreen('carol', 'Roadmap'), null);
  await page.getByRole('main', { name: 'Speaker view' }).waitFor();
  assert.is(await stageName(page), "Carol Shaw's screen");
  assert.ok((await tileNames(page)).includes('Carol Shaw'), 'her camera stays in the filmstrip');
});

test('chat: unread badge while closed, messages when open, private messages through the menu', async () => {
  const page = await joinAsAlice(ui, 'Chat');
  await addBobAndCarol(page);
  await inPage(page, (h) => { h.conference.receiveChat('bob', 'Hello all'); h.conference.receiveChat('carol', 'Hi!'); }, null);
  await page.getByRole('button', { name: 'Chat, 2 unread' }).waitFor();
  await page.getByRole('button', { name: 'Chat, 2 unread' }).click();
  const chat = page.getByRole('complementary', { name: 'Chat' });
  await chat.getByText('Hello all').waitFor();
  assert.ok(await chat.getByText('Carol Shaw', { exact: true }).isVisible());
  assert.is(await page.getByRole('button', { name: 'Chat', exact: true }).count(), 1, 'the badge is cleared');
  await chat.getByRole('textbox', { name: 'Message' }).fill('Morning!');
  await page.keyboard.press('Enter');
  await chat.getByText('Morning!').waitFor();
  await page.getByRole('button', { name: 'Actions for Bob Marley' }).first().click();
  await page.getByRole('menuitem', { name: 'Send private message' }).click();
  await chat.getByRole('textbox', { name: 'Message' }).fill('psst');
  await chat.getByRole('button', { name: 'Send message' }).click();
  await chat.getByText('privately to Bob Marley', { exact: true }).waitFor();
  await inPage(page, (h) => h.conference.receiveChat('carol', 'just for you', true), null);
  await chat.getByText('privately to you', { exact: true }).waitFor();
  assert.equal(await inPage(page, (h) => h.conference.callsOf('sendChat'), null), [['Morning!', undefined], ['psst', 'bob']]);
  await chat.getByRole('button', { name: 'Close chat' }).click();
  await inPage(page, (h) => h.conference.receiveChat('bob', 'one more'), null);
  await page.getByRole('button', { name: 'Chat, 1 unread' }).waitFor();
});

test('keyboard shortcuts M V D C R W call the right methods, not while typing', async () => {
  const page = await joinAsAlice(ui, 'Keys');
  await addBobAndCarol(page);
  for (const key of ['m', 'v', 'd', 'r']) await page.keyboard.press(key);
  await page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  await page.getByRole('button', { name: 'Start camera' }).waitFor();
  await page.getByRole('button', { name: 'Lower hand' }).waitFor();
  await page.getByRole('group', { name: 'Alice (you)' }).getByRole('img', { name: 'Hand raised' }).waitFor();
  await page.keyboard.press('c');
  const message = page.getByRole('complementary', { name: 'Chat' }).getByRole('textbox', { name: 'Message' });
  await message.waitFor();
  await message.type('mvdrw');
  await page.keyboard.press('Escape');
  await message.evaluate((el) => (el as HTMLElement).blur());
  assert.is(await page.getByRole('main', { name: 'Speaker view' }).count(), 1, 'sharing switched to speaker view');
  await page.keyboard.press('m');
  await page.keyboard.press('w');
  await page.getByRole('button', { name: 'Mute microphone' }).waitFor();
  const calls = await inPage(page, (h) => h.conference.calls.map((c) => `${c.method}(${c.args.map((a) => JSON.stringify(a)).join(',')})`).filter((c) => !c.startsWith('join')), null);
  assert.equal(calls, ['setAudioMuted(true)', 'setVideoMuted(true)', 'startScreenShare()', 'setHandRaised(true)', 'setAudioMuted(false)']);
  assert.is(await message.inputValue(), 'mvdrw');
  await page.getByRole('main', { name: 'Tile view' }).waitFor();
});

test('a shortcut pressed while the meeting is still connecting is not lost', async () => {
  const page = await ui.open(`/Early${DIRECT_JOIN}`, { script: { holdJoin: true } });
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  assert.is(await inPage(page, (h) => h.conference.snapshot.state, null), 'connecting');
  await page.keyboard.press('m');
  await page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  assert.equal(await inPage(page, (h) => h.conference.callsOf('setAudioMuted'), null), [[true]]);
});

test('leaving says so and Rejoin joins again', async () => {
  const page = await joinAsAlice(ui, 'Leave');
  await page.getByRole('button', { name: 'Leave meeting' }).click();
  await page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  assert.is(await inPage(page, (h) => h.conference.callsOf('leave').length, null), 1);
  assert.is(await inPage(page, (h) => h.media?.stream === undefined, null), true, 'camera and microphone are released');
  await page.getByRole('button', { name: 'Rejoin' }).click();
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  assert.is(await inPage(page, (h) => h.conferences.length, null), 2);
  await page.waitForFunction(() => (globalThis as unknown as { harness: { media?: { stream?: MediaStream } } }).harness.media?.stream
    ?.getVideoTracks()[0]?.readyState === 'live');
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
