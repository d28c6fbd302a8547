// The way in: the welcome page, pre-join with the fake camera, and Jitsi's direct-join links.
// The app runs against a FAKE conference core (harness/fake-conference.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inPage, startUiHarness, type Harness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

test('the welcome page suggests a room name and Start opens its pre-join page', async () => {
  const page = await ui.open('/');
  const input = page.getByLabel('Meeting name');
  const suggestion = await input.getAttribute('placeholder');
  assert.match(suggestion ?? '', /^([A-Z][a-z]+){4}$/);
  await page.getByRole('button', { name: 'Another name' }).click();
  await page.waitForFunction((before) => (globalThis as unknown as { harness: Harness }).harness
    .deepQuery('#room')?.getAttribute('placeholder') !== before, suggestion);
  const other = await input.getAttribute('placeholder');
  assert.match(other ?? '', /^([A-Z][a-z]+){4}$/);
  await page.getByRole('button', { name: 'Start meeting' }).click();
  await page.getByRole('heading', { name: other ?? '' }).waitFor();
  assert.is(new URL(page.url()).pathname, `/${other}`);
  await page.goBack();
  await page.getByRole('button', { name: 'Start meeting' }).waitFor();
});

test('a typed name is cleaned, and rooms joined before are listed and open again', async () => {
  const page = await ui.open('/', { storage: { 'plenum.recentRooms': JSON.stringify([{ name: 'Standup', lastJoinedAt: 1_700_000_000_000 }]) } });
  await page.getByRole('link', { name: 'Standup' }).click();
  await page.getByRole('heading', { name: 'Standup' }).waitFor();
  assert.is(new URL(page.url()).pathname, '/Standup');
  await page.getByRole('link', { name: 'Plenum' }).click();
  await page.getByLabel('Meeting name').fill('  Design review! ');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Designreview' }).waitFor();
});

test('pre-join shows the live camera preview, a moving microphone meter, the stored name and joins with the chosen mutes', async () => {
  const page = await ui.open('/Weekly', { storage: { 'plenum.displayName': 'Grace' } });
  const preview = page.getByRole('group', { name: 'Camera preview' }).locator('video');
  await preview.waitFor();
  await page.waitForFunction(() => {
    const video = document.querySelector('meet-app')?.shadowRoot?.querySelector('meet-prejoin')?.shadowRoot?.querySelector('video');
    return video !== undefined && video !== null && video.videoWidth > 0 && video.currentTime > 0.2;
  });
  assert.is(await page.getByLabel('Your name').inputValue(), 'Grace');
  assert.ok(await page.getByRole('combobox', { name: /Camera/ }).count() > 0, 'a camera choice is offered');
  await page.getByLabel('Your name').click();
  const meter = page.getByRole('meter', { name: 'Microphone level' });
  await page.waitForFunction(() => Number((globalThis as unknown as { harness: Harness }).harness.deepQuery('[role=meter]')?.getAttribute('aria-valuenow') ?? 0) > 0);
  await page.getByRole('button', { name: 'Mute microphone' }).click();
  await page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  await page.waitForFunction(() => (globalThis as unknown as { harness: Harness }).harness.deepQuery('[role=meter]')?.getAttribute('aria-valuenow') === '0');
  assert.is(await meter.count(), 1);
  await page.getByLabel('Your name').fill('Grace Hopper');
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  const joins = await inPage(page, (h) => h.conference.callsOf('join'), null);
  assert.equal(joins, [[{ displayName: 'Grace Hopper', startAudioMuted: true, startVideoMuted: false }]]);
  await page.getByRole('group', { name: 'Grace Hopper (you)' }).waitFor();
  const stored = await page.evaluate(() => [localStorage.getItem('plenum.displayName'), localStorage.getItem('plenum.recentRooms')]);
  assert.is(stored[0], 'Grace Hopper');
  assert.match(stored[1] ?? '', /"Weekly"/);
});

test('a Jitsi direct-join link skips pre-join, names the user and starts muted', async () => {
  const page = await ui.open('/Direct#config.prejoinConfig.enabled=false&config.startWithAudioMuted=true&userInfo.displayName=%22Alice%22');
  await page.getByRole('group', { name: 'Alice (you)' }).waitFor();
  const joins = await inPage(page, (h) => h.conference.callsOf('join'), null);
  assert.equal(joins, [[{ displayName: 'Alice', startAudioMuted: true, startVideoMuted: false }]]);
  assert.is(await page.getByRole('button', { name: 'Unmute microphone' }).count(), 1);
  assert.is(await page.getByRole('button', { name: 'Join meeting' }).count(), 0);
});

test('when the operator requires a name, pre-join will not join without one', async () => {
  const page = await ui.open('/Named#config.prejoinConfig.enabled=false', { config: { requireDisplayName: true } });
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await page.getByText('Please enter your name to join.').waitFor();
  assert.is(await inPage(page, (h) => h.conferences.length, null), 0);
});

test('a denied camera is explained on pre-join and joining still works', async () => {
  const page = await ui.open('/Blocked', { media: 'denied' });
  await page.getByRole('alert').getByText('Camera and microphone are blocked').waitFor();
  assert.ok(await page.getByText('allow camera and microphone for this site, then try again').isVisible(), 'says what to do');
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
});

test('no page made a request to another origin, and none threw', () => {
  assert.ok(ui.requests.length > 0);
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
