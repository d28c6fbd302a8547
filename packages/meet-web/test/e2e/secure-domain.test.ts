// Secure domain and sign-in links on the real one-command server (startAllInOne) in Chromium:
// a guest waits for the host and is in the meeting by itself once the host has logged in (a wrong
// password first, then the right one, through the login screen); a `?jwt=` link joins directly,
// its first moderator locks the room from the password offer and the next token holder is asked
// for it; a forged token or one for another room is explained as a bad link.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { startAllInOne, type RunningPlenum } from '@plenum/all-in-one';
import { FileUserStore } from '@plenum/xmpp/server';
import { CHROMIUM_ARGS, directJoinPath } from './e2e-stack.ts';

const GUEST_DOMAIN = 'guest.plenum.localhost';
const JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const JWT_APP = 'plenum-test';

type Site = { readonly origin: string; readonly browser: Browser; newPage(): Promise<Page>; close(): Promise<void> };

/** The one-command server with `xmpp`/`focus` settings, and a Chromium whose pages each get a fresh profile. */
async function startSite(xmpp: Record<string, unknown>, focus: Record<string, unknown>): Promise<Site> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const plenum: RunningPlenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, ...xmpp },
    focus: { log: { level: 'silent' }, ...focus },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    web: { port, host: '127.0.0.1', publicUrl: origin, log: { level: 'silent' }, p2p: { enabled: false } },
  });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  } catch (error) {
    await plenum.close();
    throw error;
  }
  return {
    origin, browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(15_000);
      return context.newPage();
    },
    async close() {
      await browser.close().catch(() => undefined);
      await plenum.close();
    },
  };
}

/** An HS256 JWT as a Jitsi deployment's token service would issue it. */
function signToken(claims: Record<string, unknown>, secret = JWT_SECRET): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

test('a guest waits for the host and joins by itself once the host has logged in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plenum-secure-'));
  const usersFile = join(dir, 'users.json');
  const store = await FileUserStore.open(usersFile);
  if (!store.ok) throw new Error(store.error.text);
  const added = await store.value.add('hostess', 'correct horse');
  assert.ok(added.ok);
  const site = await startSite(
    { auth: { anonymous: false, guestDomain: GUEST_DOMAIN, usersFile } },
    { auth: { requireAuthenticationToStart: true }, moderation: { policy: 'authenticated' } },
  );
  try {
    const guest = await site.newPage();
    await guest.goto(`${site.origin}${directJoinPath('board-meeting', 'Gus')}`);
    await guest.getByRole('heading', { name: 'Waiting for the host' }).waitFor();

    const host = await site.newPage();
    await host.goto(`${site.origin}${directJoinPath('board-meeting', 'Hannah')}`);
    await host.getByRole('button', { name: 'I am the host: log in' }).click();
    await host.getByLabel('User name').fill('hostess');
    await host.getByLabel('Password').fill('battery staple');
    await host.getByRole('button', { name: 'Log in' }).click();
    await host.getByRole('alert').getByText('That user name or password is not right.').waitFor();
    assert.ok(await guest.getByRole('heading', { name: 'Waiting for the host' }).isVisible(), 'the guest still waits');
    await host.getByLabel('Password').fill('correct horse');
    await host.getByRole('button', { name: 'Log in' }).click();
    await host.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    // The first moderator of a new room is offered a password.
    await host.getByRole('button', { name: 'Not now' }).click();

    // No click on the guest's page: it asks the focus again by itself.
    await guest.getByRole('toolbar', { name: 'Meeting controls' }).waitFor({ timeout: 20_000 });
    await guest.getByRole('group', { name: 'Hannah', exact: true }).waitFor();
    await host.getByRole('group', { name: 'Gus', exact: true }).waitFor();
    await host.getByRole('button', { name: 'More options' }).click();
    assert.is(await host.getByRole('menuitem', { name: 'Security options' }).count(), 1, 'the host is a moderator');
    await host.keyboard.press('Escape');
    await guest.getByRole('button', { name: 'More options' }).click();
    assert.is(await guest.getByRole('menuitem', { name: 'Security options' }).count(), 0, 'the guest is not');
  } finally {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a ?jwt= link joins directly (and its first moderator can lock the room); a forged token or one for another room says the link is not valid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plenum-jwt-'));
  const site = await startSite({ auth: { usersFile: join(dir, 'users.json'), jwt: { enabled: true, appId: JWT_APP, secret: JWT_SECRET } } }, {});
  try {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const good = signToken({ iss: JWT_APP, aud: 'jitsi', room: 'townhall', exp, context: { user: { name: 'Tess' } } });
    const tess = await site.newPage();
    await tess.goto(`${site.origin}/townhall?jwt=${good}${directJoinPath('', 'Tess').slice(1)}`);
    await tess.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    // The room's first moderator takes the offer to lock it; a second token holder then needs the password.
    await tess.getByRole('textbox', { name: 'New meeting password' }).fill('s3cret');
    await tess.getByRole('button', { name: 'Set' }).click();
    await tess.getByRole('img', { name: 'Locked with a password' }).waitFor();
    const theo = await site.newPage();
    await theo.goto(`${site.origin}/townhall?jwt=${good}${directJoinPath('', 'Theo').slice(1)}`);
    await theo.getByRole('heading', { name: 'This meeting is locked' }).waitFor();
    await theo.getByLabel('Password').fill('s3cret');
    await theo.getByRole('button', { name: 'Join meeting' }).click();
    await theo.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    await tess.getByRole('group', { name: 'Theo', exact: true }).waitFor();

    const forged = signToken({ iss: JWT_APP, aud: 'jitsi', room: 'townhall', exp }, 'not-the-secret');
    const mallory = await site.newPage();
    await mallory.goto(`${site.origin}/townhall?jwt=${forged}${directJoinPath('', 'Mallory').slice(1)}`);
    await mallory.getByRole('heading', { name: 'This sign-in link is not valid' }).waitFor();
    assert.is(await mallory.getByRole('button', { name: 'Try again' }).count(), 0);

    const elsewhere = signToken({ iss: JWT_APP, aud: 'jitsi', room: 'other-room', exp });
    const wanderer = await site.newPage();
    await wanderer.goto(`${site.origin}/townhall?jwt=${elsewhere}${directJoinPath('', 'Wanda').slice(1)}`);
    await wanderer.getByRole('heading', { name: 'This sign-in link is not valid' }).waitFor();
    assert.is(await tess.getByRole('group', { name: 'Mallory', exact: true }).count(), 0);
    assert.is(await tess.getByRole('group', { name: 'Wanda', exact: true }).count(), 0);
  } finally {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
