// Writes docs/screenshots/e2ee-*.png from the REAL one-command server in Chromium at 1280×800: an
// end-to-end encrypted meeting of three (the badge, the participant list with a verified mark), the
// verification dialog with the SAS emoji, the security options with the switch, and what a browser
// that cannot encrypt shows. Run by hand:
//   node --import tsx packages/meet-web/test/e2ee/take-e2ee-screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { directJoinPath, joinDirectly, seesVideoOf, startE2e } from '../e2e/e2e-stack.ts';
import { e2eeBadge } from './e2ee-pages.ts';

const out = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
const ROOM = 'board-meeting';

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const e2e = await startE2e({ web: { p2p: { enabled: false }, e2ee: { default: true } } });
  try {
    const alice = await joinDirectly(e2e, ROOM, 'Alice Liddell');
    await alice.getByRole('button', { name: 'Not now' }).click().catch(() => undefined);
    const bob = await joinDirectly(e2e, ROOM, 'Bob Marley');
    await joinDirectly(e2e, ROOM, 'Carol Shaw');
    for (const name of ['Bob Marley', 'Carol Shaw']) await seesVideoOf(alice, name);
    await seesVideoOf(bob, 'Alice Liddell');

    await e2eeBadge(alice).click();
    await alice.getByRole('list', { name: 'Emoji to compare with Bob Marley' }).waitFor();
    await alice.getByRole('button', { name: 'They match: Bob Marley is verified' }).click();
    await alice.waitForTimeout(500);
    await alice.screenshot({ path: `${out}e2ee-verify.png` });
    await alice.getByRole('button', { name: 'Close end-to-end encryption' }).click();

    await alice.getByRole('button', { name: 'Participants', exact: true }).click();
    await alice.waitForTimeout(1200);
    await alice.screenshot({ path: `${out}e2ee-conference.png` });

    await alice.getByRole('button', { name: 'More options' }).click();
    await alice.getByRole('menuitem', { name: 'Security options' }).click();
    await alice.waitForTimeout(500);
    await alice.screenshot({ path: `${out}e2ee-security.png` });
    await alice.getByRole('button', { name: 'Close security options' }).click();

    const dave = await e2e.newPage();
    await dave.addInitScript('delete window.RTCRtpScriptTransform;');
    await dave.goto(`${e2e.origin}${directJoinPath(ROOM, 'Dave (old browser)')}`);
    await dave.getByRole('button', { name: 'Encrypted meeting: this browser cannot take part' }).click();
    await dave.waitForTimeout(1200);
    await dave.screenshot({ path: `${out}e2ee-unsupported.png` });
  } finally {
    await e2e.close();
  }
}

await main();
