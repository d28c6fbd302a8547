// Secure domain, sign-in links and camera problems against a FAKE conference core
// (harness/fake-conference.ts): a guest waits for the host, a host logs in (wrong password, then
// the right one), a `?jwt=` link hands its token to the core and a refused one is explained, and a
// blocked camera is told apart from a missing one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECT_JOIN } from './meeting.ts';
import { inPage, startUiHarness, type UiHarness } from './ui-harness.ts';

let ui: UiHarness;
test.before(async () => { ui = await startUiHarness(); });
test.after(async () => { await ui.close(); });

test('a waiting guest can log in as the host: a wrong password is said, the right one joins as moderator', async () => {
  const page = await ui.open(`/Secure${DIRECT_JOIN}`, { script: { waiting: 'host', isModerator: false, hostPassword: 'opensesame' } });
  await page.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
  await page.getByRole('button', { name: 'I am the host: log in' }).click();
  await page.getByRole('heading', { name: 'Log in to start the meeting' }).waitFor();
  assert.is(await inPage(page, (h) => h.conferences[0]?.callsOf('leave').length, null), 1, 'the guest join was left');
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').getByText('That user name or password is not right.').waitFor();
  await page.getByLabel('Password').fill('opensesame');
  await page.keyboard.press('Enter');
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  const joins = await inPage(page, (h) => h.conferences.map((c) => (c.callsOf('join')[0]?.[0] as { login?: unknown }).login), null);
  assert.equal(joins, [undefined, { username: 'alice', password: 'wrong' }, { username: 'alice', password: 'opensesame' }]);
  assert.is(await inPage(page, (h) => h.conference.snapshot.participants.find((p) => p.isLocal)?.role, null), 'moderator');
});

test('cancelling the login goes back to waiting for the host', async () => {
  const page = await ui.open(`/Secure2${DIRECT_JOIN}`, { script: { waiting: 'host', isModerator: false } });
  await page.getByRole('button', { name: 'I am the host: log in' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('heading', { name: 'Waiting for the host' }).waitFor();
  assert.is(await inPage(page, (h) => h.conferences.length, null), 2);
});

test('a guest refused outright (auth-required) is offered the login', async () => {
  const page = await ui.open(`/Closed${DIRECT_JOIN}`, { script: { joinError: 'auth-required', hostPassword: 'pw' } });
  await page.getByRole('heading', { name: 'This meeting needs a host' }).waitFor();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByLabel('User name').fill('host');
  await page.getByLabel('Password').fill('pw');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
});

test('a ?jwt= link joins with its token; a refused token says the link is not valid', async () => {
  const good = await ui.open(`/Tokened?jwt=abc.def.ghi${DIRECT_JOIN}`, { script: { badToken: 'bad' } });
  await good.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  assert.is(await inPage(good, (h) => (h.conference.callsOf('join')[0]?.[0] as { token?: string }).token, null), 'abc.def.ghi');
  const bad = await ui.open(`/Tokened?jwt=bad${DIRECT_JOIN}`, { script: { badToken: 'bad' } });
  await bad.getByRole('heading', { name: 'This sign-in link is not valid' }).waitFor();
  await bad.getByText('Ask the host for a new link.').waitFor();
  assert.is(await bad.getByRole('button', { name: 'Try again' }).count(), 0);
});

test('the token survives going to the welcome page and back into a room', async () => {
  const page = await ui.open('/Keep?jwt=t0k', {});
  await page.getByRole('button', { name: 'Join meeting' }).click();
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  assert.is(await inPage(page, (h) => (h.conference.callsOf('join')[0]?.[0] as { token?: string }).token, null), 't0k');
});

test('pre-join tells a blocked camera from a missing one, each with what to do', async () => {
  const blocked = await ui.open('/Cams', { media: 'denied' });
  const alert = blocked.getByRole('alert');
  await alert.getByText('Camera and microphone are blocked').waitFor();
  await alert.getByText('allow camera and microphone for this site').waitFor();
  const missing = await ui.open('/Cams', { media: 'no-devices' });
  await missing.getByRole('alert').getByText('No camera or microphone found').waitFor();
  await missing.getByRole('alert').getByText('Connect a camera or headset').waitFor();
  await missing.getByRole('button', { name: 'Try again' }).click();
  assert.is(await inPage(missing, (h) => h.media?.opened.length, null), 2, 'Try again asks for the devices again');
});

test('no page made a request to another origin, and none threw', () => {
  assert.equal(ui.requests.filter((url) => !url.startsWith(`${ui.origin}/`)), []);
  assert.equal(ui.pageErrors, []);
});

test.run();
