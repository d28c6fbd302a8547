// Firefox ESR (puppeteer-core) and Chromium (playwright-core) in one end-to-end encrypted room on
// the real one-command server: both show the room as encrypted, and each decodes the other's
// video and hears its audio, so Firefox's RTCRtpScriptTransform encrypts and decrypts the frame
// format Chromium's does. Their SAS emoji match.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hearsOthers, joinDirectly, seesVideoOf, startE2e } from '../e2e/e2e-stack.ts';
import { firefoxHearsOthers, firefoxIceReport, firefoxSeesVideoOf, joinInFirefox, launchFirefox, type Deep, type FirefoxBrowser } from '../e2e/firefox-participant.ts';
import { e2eeBadge, sasWith } from './e2ee-pages.ts';

test('Firefox ESR and Chromium see and hear each other end-to-end encrypted, with matching SAS', async () => {
  const e2e = await startE2e({ web: { p2p: { enabled: true }, e2ee: { default: true } } });
  let firefox: FirefoxBrowser | undefined;
  try {
    firefox = await launchFirefox();
    const room = 'encrypted-mixed';
    const alice = await joinDirectly(e2e, room, 'Alice');
    await e2eeBadge(alice).waitFor();
    const fox = await joinInFirefox(firefox, e2e, room, 'Fox');
    await fox.waitForFunction(() => {
      const b = (window as unknown as Deep).__deepQuery('meet-e2ee-badge');
      return b?.shadowRoot?.querySelector('button')?.getAttribute('aria-label')?.startsWith('End-to-end encrypted') ?? false;
    }, { timeout: 15_000 });
    try {
      await firefoxSeesVideoOf(fox, 'Alice');
    } catch (error) {
      throw new Error(`${(error as Error).message}; Firefox ICE: ${await firefoxIceReport(fox)}`);
    }
    await seesVideoOf(alice, 'Fox');
    await firefoxHearsOthers(fox, 1);
    await hearsOthers(alice, 1);
    // E2EE turns P2P off: both meet through the bridge even though P2P is enabled for two.
    assert.ok(await alice.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState === 'connected').length === 1), 'one (bridge) connection');

    const aliceSees = await sasWith(alice, 'Fox');
    await fox.evaluate(() => ((window as unknown as Deep).__deepQuery('meet-e2ee-badge')?.shadowRoot?.querySelector('button') as HTMLButtonElement).click());
    await fox.waitForFunction(() => (window as unknown as Deep).__deepQuery('[aria-label="Emoji to compare with Alice"]') !== null, { timeout: 15_000 });
    const foxSees = await fox.evaluate(() => [...((window as unknown as Deep).__deepQuery('[aria-label="Emoji to compare with Alice"]') as Element).querySelectorAll('[role=listitem]')].map((e) => e.getAttribute('aria-label') ?? ''));
    assert.is(aliceSees.length, 7);
    assert.equal(foxSees, aliceSees, 'the same SAS in Firefox and Chromium');
  } finally {
    await firefox?.close().catch(() => undefined);
    await e2e.close();
  }
});

test.run();
