// Firefox ESR as a full participant on the real one-command server (startAllInOne = `npm start`):
// two people in Debian's Chromium (playwright-core) and one in Debian's Firefox ESR (puppeteer-core
// over WebDriver BiDi) join through the real UI with direct-join links; each sees both others'
// video with decoded frames advancing (Firefox receives a Chromium simulcast layer, Chromium
// decodes Firefox's video), hears both, and chat crosses browsers. Then a Firefox↔Chromium pair
// whose devices open late meets peer-to-peer, seeing and hearing each other with no media through
// the bridge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeRtpPacketsReceived, eventually, hearsOthers, joinDirectly, seesVideoOf, startE2e, tile } from './e2e-stack.ts';
import {
  firefoxHearsOthers, firefoxIceReport, firefoxSeesVideoOf, firefoxTileNames, joinInChromiumRecorded, joinInFirefox, launchFirefox, mediaReport, slowDevices, type Deep,
  type FirefoxBrowser,
} from './firefox-participant.ts';

test('two Chromium participants and one in Firefox ESR see and hear each other and chat', async () => {
  const e2e = await startE2e({ web: { p2p: { enabled: false } } });
  let firefox: FirefoxBrowser | undefined;
  try {
    firefox = await launchFirefox();
    const room = 'mixed-browsers';
    const alice = await joinDirectly(e2e, room, 'Alice');
    const bob = await joinDirectly(e2e, room, 'Bob');
    const fox = await joinInFirefox(firefox, e2e, room, 'Fox');

    try {
      await firefoxSeesVideoOf(fox, 'Alice');
    } catch (error) {
      throw new Error(`${(error as Error).message}; Firefox ICE: ${await firefoxIceReport(fox)}`);
    }
    await firefoxSeesVideoOf(fox, 'Bob');
    assert.equal((await firefoxTileNames(fox)).sort(), ['Alice', 'Bob', 'Fox (you)'], 'Firefox shows itself and the two others');
    await firefoxHearsOthers(fox, 2);
    for (const [page, other] of [[alice, 'Bob'], [bob, 'Alice']] as const) await seesVideoOf(page, other);
    for (const page of [alice, bob]) {
      await seesVideoOf(page, 'Fox');
      await hearsOthers(page, 2);
      assert.is(await tile(page, 'Fox').count(), 1, 'one tile for the Firefox participant');
    }

    // Chat from Firefox reaches both Chromium pages, and Alice's answer reaches Firefox.
    await fox.keyboard.press('c');
    await fox.waitForFunction(() => (window as unknown as Deep).__deepQuery('input[aria-label="Message"]') !== null);
    await fox.evaluate(() => ((window as unknown as Deep).__deepQuery('input[aria-label="Message"]') as HTMLInputElement).focus());
    await fox.keyboard.type('Hello from Firefox');
    await fox.keyboard.press('Enter');
    for (const page of [alice, bob]) {
      await page.getByRole('button', { name: 'Chat, 1 unread' }).click();
      await page.getByRole('complementary', { name: 'Chat' }).getByText('Hello from Firefox').waitFor();
    }
    const aliceChat = alice.getByRole('complementary', { name: 'Chat' });
    await aliceChat.getByRole('textbox', { name: 'Message' }).fill('Hello back from Chromium');
    await alice.keyboard.press('Enter');
    await fox.waitForFunction(() => {
      const list = (window as unknown as Deep).__deepQuery('ol[aria-live]');
      return list?.textContent?.includes('Hello back from Chromium') ?? false;
    }, { timeout: 15_000 });
  } finally {
    await firefox?.close().catch(() => undefined);
    await e2e.close();
  }
});

/** How long camera and microphone take to open in the peer-to-peer test: past both joins. */
const DEVICE_DELAY_MS = 5000;

test('Firefox ESR and Chromium meet peer-to-peer, with no media through the bridge', async () => {
  const e2e = await startE2e({ web: { p2p: { enabled: true } } });
  let firefox: FirefoxBrowser | undefined;
  try {
    firefox = await launchFirefox();
    const room = 'mixed-pair';
    // Both browsers' devices open seconds after the join, so the direct session starts before either
    // has them, whichever offers: issue 5 (Firefox got nothing from Chromium over the direct path)
    // came from a session set up without the devices, on a busy machine.
    const alice = await joinInChromiumRecorded(e2e, room, 'Alice', slowDevices(DEVICE_DELAY_MS));
    const fox = await joinInFirefox(firefox, e2e, room, 'Fox', slowDevices(DEVICE_DELAY_MS));
    // What each user checks: they see and hear the other. A failure says what both browsers' connections did.
    try {
      await firefoxSeesVideoOf(fox, 'Alice');
      await seesVideoOf(alice, 'Fox');
      await firefoxHearsOthers(fox, 1);
      await hearsOthers(alice, 1);
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${await mediaReport(fox, alice)}`);
    }
    // While both keep seeing and hearing the other, the bridge's RTP counter stands still for 2 s.
    const quiet = async (): Promise<boolean> => {
      const before = await bridgeRtpPacketsReceived(e2e);
      await firefoxSeesVideoOf(fox, 'Alice');
      await seesVideoOf(alice, 'Fox');
      await firefoxHearsOthers(fox, 1);
      await hearsOthers(alice, 1);
      await new Promise((r) => setTimeout(r, 2000));
      return (await bridgeRtpPacketsReceived(e2e)) === before;
    };
    await eventually(quiet, (q) => q, 15_000, 'the bridge carries no media of the pair');
  } finally {
    await firefox?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
