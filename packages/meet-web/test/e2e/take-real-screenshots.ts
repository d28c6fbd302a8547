// Writes docs/screenshots/real-*.png from the REAL one-command server (startAllInOne) in Chromium
// at 1280×800: the welcome page, pre-join, and a three-person meeting with the fake cameras'
// video arriving through the bridge. Run by hand:
//   node --import tsx packages/meet-web/test/e2e/take-real-screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { joinDirectly, seesVideoOf, startE2e } from './e2e-stack.ts';

const out = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
const ROOM = 'weekly-design-review';

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const e2e = await startE2e({ web: { p2p: { enabled: false } } });
  try {
    const welcome = await e2e.newPage();
    await welcome.goto(`${e2e.origin}/`);
    await welcome.getByRole('button', { name: 'Start meeting' }).waitFor();
    await welcome.screenshot({ path: `${out}real-welcome.png` });

    await welcome.getByRole('textbox', { name: 'Meeting name' }).fill(ROOM);
    await welcome.getByRole('button', { name: 'Start meeting' }).click();
    await welcome.getByRole('group', { name: 'Camera preview' }).locator('video').waitFor();
    await welcome.getByRole('textbox', { name: 'Your name' }).fill('Alice Liddell');
    await welcome.waitForTimeout(800);
    await welcome.screenshot({ path: `${out}real-prejoin.png` });

    await welcome.getByRole('button', { name: 'Join meeting' }).click();
    await welcome.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
    await welcome.getByRole('button', { name: 'Not now' }).click();
    const bob = await joinDirectly(e2e, ROOM, 'Bob Marley');
    const carol = await joinDirectly(e2e, ROOM, 'Carol Shaw');
    for (const name of ['Bob Marley', 'Carol Shaw']) await seesVideoOf(welcome, name);
    await carol.keyboard.press('m');
    await carol.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await welcome.getByRole('group', { name: 'Carol Shaw', exact: true }).getByRole('img', { name: 'Microphone off' }).waitFor();
    await seesVideoOf(bob, 'Alice Liddell');
    await welcome.waitForTimeout(1500);
    await welcome.screenshot({ path: `${out}real-conference.png` });
  } finally {
    await e2e.close();
  }
}

await main();
