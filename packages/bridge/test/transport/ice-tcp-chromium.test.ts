// ICE-TCP with real Chromium: a page whose RTCPeerConnection gets an offer listing only the bridge's
// passive TCP candidate (what a client behind a UDP-blocking firewall can use) connects to the bridge
// over TCP (libwebrtc's active TCP candidate, RFC 6544 framing), completes DTLS, sends SRTP the
// bridge decrypts, and decrypts what the bridge sends back. Loopback only.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { IceUdpTransport } from '@plenum/xmpp/codec';
import type { MediaStack } from './media-harness.ts';
import { allocate, relayRemoteTransport, startMediaStack, stopMediaStack, waitFor } from './media-harness.ts';
import { tcpCandidateOf } from './ice-tcp-peer.ts';

const MEETING = 'meet-tcp-chromium';
/** The SSRC the offer announces for what the bridge sends (the test echo rewrites to it). */
const ECHO_SSRC = 0x0badf00d;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
];

type Ctx = { stack: MediaStack; browser: Browser | undefined; baseline: string[] };
const test = suite<Ctx>('ICE-TCP with Chromium');

function tcpOnlyOffer(t: IceUdpTransport): string {
  const fp = t.fingerprints[0];
  const c = t.candidates.find((x) => x.protocol === 'tcp');
  return [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=ice-lite', 'a=msid-semantic: WMS *',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${t.ufrag ?? ''}`, `a=ice-pwd:${t.pwd ?? ''}`, `a=fingerprint:${fp?.hash ?? ''} ${fp?.value ?? ''}`, 'a=setup:actpass',
    'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
    `a=ssrc:${ECHO_SSRC} cname:bridge`, `a=ssrc:${ECHO_SSRC} msid:bridge-stream bridge-audio`,
    `a=candidate:${c?.foundation ?? ''} 1 tcp ${c?.priority ?? 0} ${c?.ip ?? ''} ${c?.port ?? 0} typ host tcptype passive generation 0`,
    'a=end-of-candidates', '',
  ].join('\r\n');
}

const attribute = (sdp: string, name: string): string => new RegExp(`^a=${name}:(.+)$`, 'm').exec(sdp)?.[1]?.trim() ?? '';

// Page code runs in Chromium; it is text here because the root project has no DOM types.

/** In the page: answers the offer with the fake microphone, keeps the connection in window.pc. */
async function answerInPage(page: Page, offer: string): Promise<string> {
  return page.evaluate(`(async (sdp) => {
    const pc = new RTCPeerConnection();
    window.pc = pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const [transceiver] = pc.getTransceivers();
    transceiver.direction = 'sendrecv';
    await transceiver.sender.replaceTrack(stream.getAudioTracks()[0]);
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription.sdp;
  })(${JSON.stringify(offer)})`);
}

/** In the page: the connection state, the selected pair's local protocol and the RTP packet counts. */
function pageStats(page: Page): Promise<{ state: string; protocol: string | undefined; sent: number; received: number }> {
  return page.evaluate(`(async () => {
    const report = await window.pc.getStats();
    let sent = 0, received = 0, protocol;
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') sent += s.packetsSent ?? 0;
      if (s.type === 'inbound-rtp') received += s.packetsReceived ?? 0;
      if (s.type === 'transport' && s.selectedCandidatePairId !== undefined) {
        const pair = report.get(s.selectedCandidatePairId);
        protocol = pair === undefined ? undefined : report.get(pair.localCandidateId)?.protocol;
      }
    });
    return { state: window.pc.connectionState, protocol, sent, received };
  })()`);
}

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startMediaStack({ maxEndpoints: 10, public: { tcpPort: 0 }, tcp: { enabled: true } });
  ctx.browser = undefined;
});

test.after(async (ctx) => {
  await ctx.browser?.close();
  await stopMediaStack(ctx.stack);
  await new Promise((r) => setTimeout(r, 50));
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets or processes left behind');
});

test('Chromium with only the TCP candidate connects over TCP; SRTP flows both ways', async (ctx) => {
  const { stack } = ctx;
  const local = await allocate(stack, MEETING, 'ep-chromium', true);
  assert.is(tcpCandidateOf(local).port, stack.bridge.transports.tcpPort);
  ctx.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await (await ctx.browser.newContext()).newPage();
  // getUserMedia needs a secure context: http://localhost is one; the page is served by Playwright.
  await page.route('http://localhost/', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>ice-tcp</title>' }));
  await page.goto('http://localhost/');
  const connected = waitFor(stack.bridge.transports.events, 'transportConnected', 15_000);
  connected.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  const answer = await answerInPage(page, tcpOnlyOffer(local));
  assert.is(attribute(answer, 'setup'), 'active', 'Chromium is the DTLS client');
  await relayRemoteTransport(stack, MEETING, 'ep-chromium', {
    ufrag: attribute(answer, 'ice-ufrag'), pwd: attribute(answer, 'ice-pwd'), fingerprint: attribute(answer, 'fingerprint').split(' ')[1] ?? '',
  });
  const t = stack.bridge.transports.get(MEETING, 'ep-chromium');
  assert.ok(t);
  // Test-only echo (the forwarding layer's place): what the bridge decrypts goes back under ECHO_SSRC.
  t.onRtp((packet) => {
    packet.writeUInt32BE(ECHO_SSRC, 8);
    t.sendRtp(packet);
  });
  const [which] = await connected;
  assert.is(which, t);
  assert.is(t.pathKind, 'tcp', 'the bridge selected the TCP connection');
  let s = await pageStats(page);
  for (let i = 0; i < 150 && (s.state !== 'connected' || s.received < 20); i++) {
    await new Promise((r) => setTimeout(r, 100));
    s = await pageStats(page);
  }
  assert.is(s.state, 'connected');
  assert.is(s.protocol, 'tcp', 'Chromium\'s selected pair is TCP');
  assert.ok(t.stats().rtpPacketsReceived >= 20, `the bridge decrypted Chromium's audio (${t.stats().rtpPacketsReceived} packets)`);
  assert.ok(s.received >= 20, `Chromium decrypted the echo (${s.received} packets)`);
  assert.is(stack.bridge.transports.stats().counters.dropped['tcp-frame-invalid'], 0, 'no frame over the limit');
});

test.run();
