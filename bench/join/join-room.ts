// What `npm run bench:join` and its trace tool (trace.ts) share: the Chromium flags, the server in
// a process of its own, the running three-person room (Chromium pages, or werift participants in a
// process of their own) and a direct-join link.
import { fork, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { PACKET_PROCESS_NODE_FLAGS } from '@plenum/kit/node';
import { FIRST_FRAME_MESSAGE, JOIN_PROBE, SECOND_FRAME_MESSAGE, type SecondFrame } from './page-probe.ts';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];
export const ROOM = 'bench-join';

export const STEPS = ['joinClicked', 'domContentLoaded', 'getUserMediaCalled', 'getUserMediaDone', 'xmppSocketCreated', 'xmppSocketOpen', 'loggedIn', 'conferenceRequestSent', 'conferenceReady', 'mucJoinSent', 'sessionInitiateReceived', 'offerReceived', 'answerApplying', 'answerApplied', 'sessionAcceptSent', 'peerConnectionCreated', 'bridgeChannelOpen', 'iceChecking', 'iceConnected', 'dtlsConnected', 'remoteVideoTrack', 'firstRemoteFrame'] as const;
export type Step = (typeof STEPS)[number];
/** performance.now() of each step in the joiner's page. */
export type Marks = Partial<Record<Step, number>>;

export const directJoin = (name: string): string =>
  `/${ROOM}#config.prejoinConfig.enabled=false&userInfo.displayName=${encodeURIComponent(JSON.stringify(name))}`;

/**
 * Resolves when the page's probe saw the first remote frame, with the probe's marks. Call it
 * before the page navigates (the message may come while another page is being opened).
 */
export function firstFrameOf(page: Page): Promise<Marks> {
  // The probe's console message: polling would load the very machine being measured, and an
  // evaluate would inject playwright's utility script into the page in the middle of the join.
  const frame = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(FIRST_FRAME_MESSAGE), timeout: 60_000 })
    .then((m) => JSON.parse(m.text().slice(FIRST_FRAME_MESSAGE.length)) as Marks);
  // A page closed after a failure rejects it; whoever awaits it sees that, nobody else must.
  frame.catch(() => undefined);
  return frame;
}

/** The server process, with its XMPP client port (for the werift room). */
export type ServerProcess = ChildProcess & { readonly xmppTcpPort: number };

/** Resolves with the probe's report of the next frame after the first (call it with {@link firstFrameOf}, before the page navigates); undefined when none came within 70 s. */
export function secondFrameOf(page: Page): Promise<SecondFrame | undefined> {
  return page.waitForEvent('console', { predicate: (m) => m.text().startsWith(SECOND_FRAME_MESSAGE), timeout: 70_000 })
    .then((m) => JSON.parse(m.text().slice(SECOND_FRAME_MESSAGE.length)) as SecondFrame, () => undefined);
}

/** Starts the server process (server-process.ts); resolves once it listens. */
export function startServer(port: number, opts: { readonly minify?: boolean } = {}): Promise<ServerProcess> {
  // With the node flags `npm start` gives the all-in-one process.
  const child = fork(new URL('./server-process.ts', import.meta.url), [String(port), opts.minify === false ? 'no-minify' : 'minify'],
    { execArgv: [...PACKET_PROCESS_NODE_FLAGS, '--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { xmppTcpPort: number }) => resolve(Object.assign(child, { xmppTcpPort: m.xmppTcpPort })));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready`)));
  });
}

/**
 * The werift room instead (werift-room-process.ts): three werift participants sending a real VP8
 * clip and Opus, in a process of their own; resolves once all three are connected and sending.
 */
export function startWeriftRoom(xmppTcpPort: number): Promise<ChildProcess> {
  const child = fork(new URL('./werift-room-process.ts', import.meta.url), [String(xmppTcpPort), ROOM],
    { execArgv: [...PACKET_PROCESS_NODE_FLAGS, '--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    const onReady = (m: unknown): void => {
      if (typeof m !== 'object' || m === null || !('ready' in m)) return;
      child.off('message', onReady);
      resolve(child);
    };
    child.on('message', onReady);
    child.once('exit', (code) => reject(new Error(`the werift room exited (${code}) before it was ready`)));
  });
}

/** The werift room's senders' stats (werift-room.ts's SenderStats), asked over IPC. */
export function weriftRoomStats(room: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => {
    const onStats = (m: unknown): void => {
      if (typeof m !== 'object' || m === null || !('stats' in m)) return;
      room.off('message', onStats);
      resolve(m.stats);
    };
    room.on('message', onStats);
    room.send('stats');
  });
}

/** The running room: three participants in one browser, each its own profile, all sending video. */
export async function startRoom(browser: Browser, origin: string): Promise<Page[]> {
  const hosts: Page[] = [];
  const frames: Promise<Marks>[] = [];
  for (const name of ['Host A', 'Host B', 'Host C']) {
    const context = await browser.newContext({ viewport: { width: 640, height: 400 } });
    await context.addInitScript(JOIN_PROBE);
    const page = await context.newPage();
    frames.push(firstFrameOf(page));
    await page.goto(`${origin}${directJoin(name)}`);
    hosts.push(page);
  }
  // Each of them sees a remote frame once the next one is in.
  await Promise.all(frames);
  return hosts;
}
