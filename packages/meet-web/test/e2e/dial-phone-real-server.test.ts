// Phones and the meeting on the real one-command server (startAllInOne with its SIP gateway and a
// dial-in number) through the real UI in Chromium. In a room locked with a password, both people's
// invite dialog shows the number and the room's PIN (from the focus's PIN directory: the HTTP
// lookup serves open rooms only); only the moderator gets the dial-out form. The moderator calls a
// busy phone (Debian's sipp answering 486): the call fails with "The line is busy."; then a phone
// that answers (sipp's uas; the gateway gets the room's password with the dial): the call shows
// Calling… then In the meeting; both see the callee as a phone (icon, no camera) on
// the tiles and in the participant list; Hang up ends the call for the phone (sipp sees the BYE) and
// removes it from the meeting.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Locator, Page } from 'playwright-core';
import { freePort, freeUdpPort, spawnReaped, type ReapedProcess } from '@plenum/testkit';
import { joinDirectly, startE2e, type E2e } from './e2e-stack.ts';

const ROOM = 'phone-meeting';

/** A sipp callee that rings, then answers 486 Busy Here (RFC 3261 §21.4.24). */
const BUSY_CALLEE = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="busy callee">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]busy[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]busy[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
`;

/** sipp as the called phone on a free loopback port; `-m 1`: it exits after one call. */
async function startCallee(scenario: string[]): Promise<{ sipp: ReapedProcess; port: number }> {
  const port = await freeUdpPort();
  const sipp = await spawnReaped('sipp', [...scenario, '-i', '127.0.0.1', '-p', String(port), '-mp', String(await freeUdpPort()),
    '-cp', String(await freePort()), '-m', '1', '-nostdin', '-timeout', '60', '-timeout_error']);
  return { sipp, port };
}

/** The tile of the phone participant, whatever its masked name. */
const phoneTile = (page: Page): Locator => page.locator('meet-video-tile [role=group]').filter({ has: page.getByRole('img', { name: 'Joined by phone' }) });

test('dial-in number and PIN for everyone; the moderator calls a phone in, both see it as a phone, Hang up ends it', async () => {
  let e2e: E2e | undefined;
  let callee: ReapedProcess | undefined;
  let busy: ReapedProcess | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'plenum-e2e-dial-'));
  try {
    e2e = await startE2e({ web: { p2p: { enabled: false }, dialIn: { numbers: ['US:+1 555 0100'] } }, sipGateway: { sip: { port: await freeUdpPort() } } });
    assert.ok(e2e.plenum.sipGateway, 'npm start runs a SIP gateway');
    await writeFile(join(dir, 'busy.xml'), BUSY_CALLEE);
    const busyCallee = await startCallee(['-sf', join(dir, 'busy.xml')]);
    busy = busyCallee.sipp;
    const answering = await startCallee(['-sn', 'uas']);
    callee = answering.sipp;
    const calleePort = answering.port;
    const alice = await joinDirectly(e2e, ROOM, 'Alice');
    const bob = await joinDirectly(e2e, ROOM, 'Bob');
    for (const page of [alice, bob]) await page.getByLabel('2 in the meeting').waitFor();

    // Alice locks the room: the PIN now comes from the focus over XMPP (the HTTP lookup serves open rooms only).
    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Security options' }).click();
    const security = alice.getByRole('dialog', { name: 'Security options' });
    await security.getByRole('textbox', { name: 'Meeting password' }).fill('tulips');
    await security.getByRole('button', { name: 'Lock' }).click();
    await security.getByText('This meeting is locked with a password.').waitFor();
    await alice.keyboard.press('Escape');
    await bob.getByRole('img', { name: 'Locked with a password' }).waitFor();

    // Dial-in: the same number and PIN for both; only the moderator may call out.
    const dialInLines: string[] = [];
    for (const page of [alice, bob]) {
      await page.getByRole('button', { name: 'More options' }).click();
      await page.getByRole('menuitem', { name: 'Invite people' }).click();
      const invite = page.getByRole('dialog', { name: 'Invite people' });
      const line = invite.getByText(/^Dial in:/);
      await line.waitFor();
      dialInLines.push((await line.textContent())?.replace(/\s+/g, ' ').trim() ?? '');
      assert.is(await invite.getByRole('textbox', { name: 'Phone number' }).count(), page === alice ? 1 : 0, 'dial-out for the moderator only');
      await page.keyboard.press('Escape');
      await invite.waitFor({ state: 'detached' });
    }
    assert.match(dialInLines[0] ?? '', /^Dial in: \+1 555 0100, PIN [0-9]{4,16}#$/);
    assert.is(dialInLines[1], dialInLines[0], 'everyone gets the same PIN');

    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Invite people' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Invite people' });
    // A busy line: the call fails and says why; nobody joins.
    const busyTarget = `sip:+15550100@127.0.0.1:${busyCallee.port}`;
    await dialog.getByRole('textbox', { name: 'Phone number' }).fill(busyTarget);
    await dialog.getByRole('button', { name: 'Call' }).click();
    await dialog.getByRole('listitem', { name: `Call to ${busyTarget}` }).getByText('Failed').waitFor({ timeout: 30_000 });
    await dialog.getByRole('alert').getByText('The line is busy.').waitFor();
    assert.is(await busy.exited, '0', 'the busy phone saw the INVITE, answered 486 and got the ACK');
    busy = undefined;

    const target = `sip:+15550199@127.0.0.1:${calleePort}`;
    await dialog.getByRole('textbox', { name: 'Phone number' }).fill(target);
    await dialog.getByRole('button', { name: 'Call' }).click();
    const call = dialog.getByRole('listitem', { name: `Call to ${target}` });
    await call.getByText(/Calling…|In the meeting/).waitFor();
    await call.getByText('In the meeting').waitFor({ timeout: 30_000 });
    assert.is(await dialog.getByRole('alert').count(), 0, 'no error for the answered call');
    await alice.keyboard.press('Escape');

    for (const page of [alice, bob]) {
      await page.getByLabel('3 in the meeting').waitFor();
      const tile = phoneTile(page);
      await tile.waitFor();
      assert.match(await tile.getAttribute('aria-label') ?? '', /^Phone .*99$/, 'named by the masked number');
      assert.is(await tile.locator('video').count(), 0, 'a phone has no video');
      await page.getByRole('button', { name: 'Participants' }).click();
      const pane = page.getByRole('complementary', { name: 'Participants' });
      await pane.getByRole('heading', { name: 'Participants (3)' }).waitFor();
      assert.is(await pane.getByRole('img', { name: 'Joined by phone' }).count(), 1, 'listed with the phone icon');
      await pane.getByRole('button', { name: 'Close participants' }).click();
    }

    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Invite people' }).click();
    await call.getByRole('button', { name: `Hang up ${target}` }).click();
    await call.getByText('Ended').waitFor();
    for (const page of [alice, bob]) await phoneTile(page).waitFor({ state: 'detached', timeout: 20_000 });
    assert.is(await callee.exited, '0', 'the phone got the BYE and its call completed');
    callee = undefined;
  } finally {
    await callee?.stop();
    await busy?.stop();
    await e2e?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
