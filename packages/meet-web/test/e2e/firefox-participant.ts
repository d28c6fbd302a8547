// Firefox ESR as a participant of the end-to-end tests: Debian's firefox-esr driven by
// puppeteer-core over WebDriver BiDi, with fake devices, and the checks a user makes (video frames
// decoded in a tile, audio arriving), read from the page as e2e-stack.ts reads them in Chromium.
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from 'puppeteer-core';
import type { Page as ChromiumPage } from 'playwright-core';
import { directJoinPath, eventually, type E2e } from './e2e-stack.ts';

export type { FirefoxBrowser, FirefoxPage };

/**
 * Firefox's fake devices, and how it may gather a loopback candidate. Firefox limits ICE to the
 * "default route" address (here the eth0 one; never 127.0.0.1) for any page that neither captures
 * nor holds a camera or microphone permission (PeerConnectionMedia::GetPrefDefaultAddressOnly),
 * and `media.navigator.permission.disabled` hands out streams without recording either, so with it
 * `media.peerconnection.ice.loopback` has no effect and Firefox never reaches a bridge on
 * 127.0.0.1. A standing "allow" for camera and microphone (what a user who ticks "remember" has)
 * lets it gather every address, loopback included. No prompt appears: the fake streams need none.
 */
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
  // Background tabs keep their timers: the test polls every page while another one has focus.
  'dom.min_background_timeout_value': 0,
};

export async function launchFirefox(): Promise<FirefoxBrowser> {
  return puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: FIREFOX_PREFS });
}

/** Records every RTCPeerConnection the Firefox page makes (as e2e-stack does for Chromium). */
const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const made = (window.__peerConnections = []);
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); made.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

/** A timeline of camera/microphone opening and each peer connection's steps, for a failure message. */
export const RECORD_MEDIA_TIMELINE = `(() => {
  const t0 = performance.now();
  const events = (window.__mediaTimeline = []);
  const note = (what) => events.push(Math.round(performance.now() - t0) + 'ms ' + what);
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { note('gUM asked'); const s = await gum(c); note('gUM gave ' + s.getTracks().map((t) => t.kind).join('+')); return s; };
  const P = RTCPeerConnection.prototype;
  let n = 0;
  const ids = new WeakMap();
  const id = (pc) => { if (!ids.has(pc)) ids.set(pc, 'pc' + (++n)); return ids.get(pc); };
  const addT = P.addTransceiver;
  P.addTransceiver = function (k, init) { note(id(this) + ' addTransceiver ' + (typeof k === 'string' ? k : k.kind + ' track') + ' ' + (init?.direction ?? '')); return addT.call(this, k, init); };
  const sld = P.setLocalDescription;
  P.setLocalDescription = function (d) { note(id(this) + ' setLocal ' + (d?.type ?? 'implicit')); return sld.call(this, d); };
  const srd = P.setRemoteDescription;
  P.setRemoteDescription = function (d) { note(id(this) + ' setRemote ' + d.type); return srd.call(this, d); };
  const rt = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (t) { note('replaceTrack ' + (t ? t.kind : 'null') + ' (was ' + (this.track ? this.track.kind : 'none') + ')'); return rt.call(this, t); };
})();`;

/**
 * Camera and microphone that take `ms` to open (as a real camera, or a busy machine, can): the
 * page joins meanwhile, so its direct session starts before its devices are open (issue 5).
 */
export function slowDevices(ms: number): string {
  return `(() => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => new Promise((r) => setTimeout(r, ${ms})).then(() => open(c));
})();`;
}

/** Finds the first element matching `selector` through every open shadow root (lit components). */
const DEEP_QUERY = `window.__deepQuery = (selector, root = document) => {
  const found = root.querySelector(selector);
  if (found) return found;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const inner = window.__deepQuery(selector, el.shadowRoot); if (inner) return inner; }
  }
  return null;
};`;

/** `initScript`: more to run before the app (e.g. slowDevices). */
export async function joinInFirefox(browser: FirefoxBrowser, e2e: E2e, room: string, name: string, initScript = ''): Promise<FirefoxPage> {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(RECORD_PEER_CONNECTIONS + DEEP_QUERY + initScript + RECORD_MEDIA_TIMELINE);
  await page.goto(`${e2e.origin}${directJoinPath(room, name)}`);
  await page.waitForFunction(() => (window as unknown as Deep).__deepQuery('[role=toolbar][aria-label="Meeting controls"]') !== null, { timeout: 15_000 });
  return page;
}

export type Deep = { __deepQuery(selector: string): Element | null; __peerConnections: RTCPeerConnection[] };

/**
 * Frames of the video in `name`'s tile that Firefox has decoded and presented so far (0 while there
 * is none). Firefox's getVideoPlaybackQuality() counts nothing for a MediaStream, so this asks the
 * element itself: requestVideoFrameCallback reports presentedFrames with the next frame shown.
 */
export function firefoxDecodedFrames(page: FirefoxPage, name: string): Promise<number> {
  return page.evaluate((n) => new Promise<number>((resolve) => {
    const video = (window as unknown as Deep).__deepQuery(`[role=group][aria-label=${JSON.stringify(n)}] video`) as HTMLVideoElement | null;
    if (video === null) return resolve(0);
    video.requestVideoFrameCallback((_now, frame) => resolve(frame.presentedFrames));
    setTimeout(() => resolve(0), 1000);
  }), name);
}

export async function firefoxSeesVideoOf(page: FirefoxPage, name: string, timeoutMs = 20_000): Promise<void> {
  const first = await eventually(() => firefoxDecodedFrames(page, name), (n) => n > 0, timeoutMs, `Firefox: video of ${name} starts`);
  await eventually(() => firefoxDecodedFrames(page, name), (n) => n >= first + 10, timeoutMs, `Firefox: video of ${name} keeps coming`);
}

/** Audio samples received per remote stream over Firefox's peer connections. */
export function firefoxAudioSamples(page: FirefoxPage): Promise<number[]> {
  return page.evaluate(async () => {
    const out: number[] = [];
    for (const pc of (window as unknown as Deep).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; totalSamplesReceived?: number; packetsReceived?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && (s.packetsReceived ?? 0) > 0) out.push(s.totalSamplesReceived ?? 0);
      });
    }
    return out;
  });
}

export async function firefoxHearsOthers(page: FirefoxPage, count: number, timeoutMs = 20_000): Promise<void> {
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const first = await eventually(() => firefoxAudioSamples(page), (a) => a.filter((n) => n > 0).length >= count, timeoutMs, `Firefox: ${count} audio streams arrive`);
  await eventually(() => firefoxAudioSamples(page), (a) => total(a) >= total(first) + count * 9600, timeoutMs, 'Firefox: audio keeps coming');
}

/** What Firefox's connections are doing, for a failure message. */
export function firefoxIceReport(page: FirefoxPage): Promise<string> {
  return page.evaluate(async () => {
    const lines: string[] = [];
    for (const pc of (window as unknown as Deep).__peerConnections) {
      const local: string[] = [];
      const inbound: string[] = [];
      (await pc.getStats()).forEach((s: { type: string; address?: string; port?: number; candidateType?: string; kind?: string; packetsReceived?: number; framesDecoded?: number; ssrc?: number }) => {
        if (s.type === 'local-candidate') local.push(`${s.candidateType} ${s.address}:${s.port}`);
        if (s.type === 'inbound-rtp') inbound.push(`${s.kind} ssrc ${s.ssrc}: ${s.packetsReceived ?? 0} packets, ${s.framesDecoded ?? '-'} frames`);
      });
      const receivers = pc.getReceivers().map((r) => `${r.track.kind}:${r.track.readyState}${r.track.muted ? ' muted' : ''}`);
      lines.push(`${pc.connectionState}/${pc.iceConnectionState} local: ${local.join(', ')}; inbound: ${inbound.join(', ') || 'none'}; receivers: ${receivers.join(', ')}`);
    }
    return lines.join(' | ');
  }).catch((e) => String(e));
}


/**
 * Every peer connection of a page (Chromium or Firefox), for a failure message: state, each
 * transceiver's mid, directions and sender track, RTP sent and received per SSRC, and the SSRCs
 * both descriptions announce. Run as a string so both drivers take it.
 */
export const PEER_CONNECTION_REPORT = `(async () => {
  const lines = [];
  for (const pc of window.__peerConnections) {
    const rtp = [];
    if (pc.connectionState !== 'closed') {
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp') rtp.push('out ' + s.kind + ' ' + s.ssrc + ': ' + (s.packetsSent ?? 0));
        if (s.type === 'inbound-rtp') rtp.push('in ' + s.kind + ' ' + s.ssrc + ': ' + (s.packetsReceived ?? 0));
      });
    }
    const tx = pc.getTransceivers().map((t) => t.mid + ' ' + t.direction + '/' + t.currentDirection + ' send ' +
      (t.sender.track ? t.sender.track.kind + ':' + t.sender.track.readyState + (t.sender.track.enabled ? '' : ' disabled') + (t.sender.track.muted ? ' muted' : '') : 'none') +
      ' recv ' + (t.receiver.track.muted ? 'muted' : 'live'));
    const ssrcs = (d) => [...new Set((d?.sdp ?? '').split(String.fromCharCode(10)).filter((l) => l.startsWith('a=ssrc:')).map((l) => l.slice(7).split(' ')[0]))].join(',');
    lines.push((pc.localDescription?.type ?? '-') + ' ' + pc.connectionState + '/' + pc.iceConnectionState + ' [' + tx.join('; ') + '] rtp {' + rtp.join(', ') + '} local ssrcs ' + ssrcs(pc.localDescription) + ' remote ssrcs ' + ssrcs(pc.remoteDescription));
  }
  return lines.join(' | ');
})()`;

/** A page of either driver, as far as the reports need it. */
type Evaluating = { evaluate(expression: string): Promise<unknown> };

/**
 * Why media did not arrive, for a failure message: Firefox's ICE, both pages' peer connections
 * (directions, sender tracks, RTP counters, announced SSRCs) and both timelines of device opening
 * and negotiation (RECORD_MEDIA_TIMELINE).
 */
export async function mediaReport(fox: FirefoxPage, chromium: Evaluating): Promise<string> {
  const read = async (page: Evaluating, expression: string): Promise<string> => String(await page.evaluate(expression).catch((e: unknown) => String(e)));
  const timeline = '(window.__mediaTimeline ?? []).join(", ")';
  return [
    `Firefox ICE: ${await firefoxIceReport(fox)}`,
    `Firefox connections: ${await read(fox as unknown as Evaluating, PEER_CONNECTION_REPORT)}`,
    `Chromium connections: ${await read(chromium, PEER_CONNECTION_REPORT)}`,
    `Firefox timeline: ${await read(fox as unknown as Evaluating, timeline)}`,
    `Chromium timeline: ${await read(chromium, timeline)}`,
  ].join('; ');
}

/** A Chromium participant joining by direct-join link (as e2e-stack's joinDirectly) whose timeline is recorded. */
export async function joinInChromiumRecorded(e2e: E2e, room: string, name: string, initScript = ''): Promise<ChromiumPage> {
  const page = await e2e.newPage();
  await page.addInitScript(initScript + RECORD_MEDIA_TIMELINE);
  await page.goto(`${e2e.origin}${directJoinPath(room, name)}`);
  await page.getByRole('toolbar', { name: 'Meeting controls' }).waitFor();
  return page;
}

/** The accessible names of the video tiles on Firefox's screen, in order. */
export function firefoxTileNames(page: FirefoxPage): Promise<string[]> {
  return page.evaluate(`(() => {
    const names = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.tagName === 'MEET-VIDEO-TILE' && el.shadowRoot) {
          const group = el.shadowRoot.querySelector('[role=group]');
          if (group) names.push(group.getAttribute('aria-label') ?? '');
        } else if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return names;
  })()`) as Promise<string[]>;
}
