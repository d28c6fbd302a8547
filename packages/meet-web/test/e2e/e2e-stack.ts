// Shared plumbing of the end-to-end tests: the real one-command server (startAllInOne, the same
// code as `npm start`) on free loopback ports, Debian's Chromium with fake camera, microphone and
// screen, and the steps a user takes in the real UI.
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { freePort } from '@plenum/testkit';
import { startAllInOne, type RunningPlenum } from '@plenum/all-in-one';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  // getDisplayMedia in headless Chromium: pick the (fake) screen without a picker.
  '--auto-select-desktop-capture-source=Entire screen', '--enable-usermedia-screen-capturing',
  // Background tabs must keep decoding: every participant of a test is a tab of one browser.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

/** Records every RTCPeerConnection the page makes, so a test can read its stats as a user's browser would. */
const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const made = (window.__peerConnections = []);
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); made.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

export type E2eOptions = {
  readonly xmpp?: Record<string, unknown>;
  readonly web?: Record<string, unknown>;
  /** The one-command server's recorder settings; without them the server runs no recorder. */
  readonly recorder?: Record<string, unknown>;
  /** The one-command server's SIP gateway settings (give it a free `sip.port`); without them it runs none. */
  readonly sipGateway?: Record<string, unknown>;
  /** More Chromium switches (e.g. `--use-file-for-fake-audio-capture=<wav>`). */
  readonly chromiumArgs?: readonly string[];
};

export type E2e = {
  readonly plenum: RunningPlenum;
  /** http://127.0.0.1:<port>: what people open. */
  readonly origin: string;
  readonly browser: Browser;
  /** A fresh profile (own local storage) with one tab, at 1280×800, not navigated yet. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
};

export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const plenum = await startAllInOne({
    xmpp: { tcp: { port: 0 }, components: { port: 0 }, log: { level: 'silent' }, auth: { usersFile: '/nonexistent/users.json' }, ...options.xmpp },
    focus: { log: { level: 'silent' } },
    bridge: { http: { port: 0 }, public: { udpPort: 0 }, log: { level: 'silent' } },
    // Cameras at 360p unless a test needs more: since the bridge sends transport-cc feedback, browsers
    // really send the layers they are asked for, and 720p encoding in every tab of every test loads
    // the two cores that the suite's other tests (recordings checked against the clock) share.
    web: { port, host: '127.0.0.1', publicUrl: origin, log: { level: 'silent' }, resolution: 360, ...options.web },
    recorder: options.recorder === undefined ? false : { log: { level: 'silent' }, ...options.recorder },
    // Not by default: its standard port 5060 is one fixed port for every test.
    sipGateway: options.sipGateway === undefined ? false : { log: { level: 'silent' }, ...options.sipGateway },
  });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])] });
  } catch (error) {
    await plenum.close();
    throw error;
  }
  const contexts: BrowserContext[] = [];
  return {
    plenum, origin, browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      // Generous for two busy cores shared with other work; a broken step still fails in seconds.
      context.setDefaultTimeout(15_000);
      await context.addInitScript(RECORD_PEER_CONNECTIONS);
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await plenum.close();
    },
  };
}

/** Jitsi's direct-join link: no pre-join screen, this display name. */
export function directJoinPath(room: string, displayName: string, extra = ''): string {
  return `/${room}#config.prejoinConfig.enabled=false&userInfo.displayName=${encodeURIComponent(JSON.stringify(displayName))}${extra}`;
}

/** Opens a direct-join link in a fresh profile; resolves when the meeting toolbar is shown. */
export async function joinDirectly(e2e: E2e, room: string, displayName: string, extra = ''): Promise<Page> {
  const page = await e2e.newPage();
  await page.goto(`${e2e.origin}${directJoinPath(room, displayName, extra)}`);
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  return page;
}

/** The tile of `name` (a remote participant's camera, or "<name>'s screen"). */
export function tile(page: Page, name: string): Locator {
  return page.getByRole('group', { name, exact: true });
}

/** Decoded frames of the video in `name`'s tile so far (0 while there is no video element). */
export function decodedFrames(page: Page, name: string): Promise<number> {
  return tile(page, name).locator('video').evaluate((v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
}

/** Waits until the video in `name`'s tile has decoded frames and keeps decoding (at least 10 more). */
export async function seesVideoOf(page: Page, name: string, timeoutMs = 20_000): Promise<void> {
  const first = await eventually(() => decodedFrames(page, name).catch(() => 0), (n) => n > 0, timeoutMs, `video of ${name} starts`);
  await eventually(() => decodedFrames(page, name).catch(() => 0), (n) => n >= first + 10, timeoutMs, `video of ${name} keeps coming`);
}

/** Energy (Σ level² × duration) and duration of all audio the page received so far (inbound-rtp). */
export function receivedAudio(page: Page): Promise<{ energy: number; seconds: number }> {
  return page.evaluate(async () => {
    const out = { energy: 0, seconds: 0 };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; totalAudioEnergy?: number; totalSamplesDuration?: number }) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
        out.energy += s.totalAudioEnergy ?? 0;
        out.seconds += s.totalSamplesDuration ?? 0;
      });
    }
    return out;
  });
}

/** Audio samples received so far over all of the page's peer connections (inbound-rtp, kind audio), per track. */
export function receivedAudioSamples(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const out: number[] = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; totalSamplesReceived?: number; packetsReceived?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && (s.packetsReceived ?? 0) > 0) out.push(s.totalSamplesReceived ?? 0);
      });
    }
    return out;
  });
}

/** Waits until `count` remote audio streams are received and keep coming. */
export async function hearsOthers(page: Page, count: number, timeoutMs = 20_000): Promise<void> {
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const first = await eventually(() => receivedAudioSamples(page), (a) => a.filter((n) => n > 0).length >= count, timeoutMs, `${count} audio streams arrive`);
  // 48 kHz: 0.2 s more of every stream.
  await eventually(() => receivedAudioSamples(page), (a) => total(a) >= total(first) + count * 9600, timeoutMs, 'audio keeps coming');
}

/** Polls `read` until `ok` holds; throws naming `what` after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** RTP packets the bridge has received so far (its Prometheus counter on GET /metrics). */
export async function bridgeRtpPacketsReceived(e2e: E2e): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${e2e.plenum.bridge.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('plenum_bridge_rtp_packets_received_total '));
  if (line === undefined) throw new Error('the bridge reports no plenum_bridge_rtp_packets_received_total');
  return Number(line.split(' ')[1]);
}

/**
 * A page script: the first `refusals` getUserMedia calls that ask for `kind` fail as for a device
 * held by another application (NotReadableError); later ones open the fake device.
 */
export const busyAtFirst = (kind: 'audio' | 'video', refusals: number): string => `(() => {
  const open = MediaDevices.prototype.getUserMedia;
  let refusals = ${refusals};
  MediaDevices.prototype.getUserMedia = function (constraints) {
    if (refusals > 0 && constraints && constraints.${kind}) {
      refusals--;
      return Promise.reject(new DOMException('Could not start ${kind} source', 'NotReadableError'));
    }
    return open.call(this, constraints);
  };
})();`;
