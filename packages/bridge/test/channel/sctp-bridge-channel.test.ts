// The bridge channel over the SCTP data channel (protocols.md §5), signalled through the REAL focus
// (testkit startStack: XMPP server, focus and bridge in this process on loopback). Each participant
// is a werift RTCPeerConnection that answers the focus's offer including its `data` content and
// opens 'JVB data channel' with the colibri protocol, as lib-jitsi-meet does; the bridge is the
// SCTP server inside the same DTLS as the media. Then the channel's messages go both ways over it,
// and a hostile peer's garbage SCTP and unknown channels close only its SCTP, never its media.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RTCDataChannel } from 'werift';
import type { El } from '@plenum/xmpp/codec';
import { child, children, serialize } from '@plenum/xmpp/codec';
import type { RunningStack } from '@plenum/testkit';
import { assertNoLeakedHandles, bridgeHttpStats, startStack, waitUntil } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { audioPayload, vp8Frame } from '../focus-media/vp8-test-frames.ts';

const ROOM = 'sctp-channel';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Message = { readonly colibriClass?: string; readonly [key: string]: unknown };

/** What arrived on one participant's data channel, parsed. */
class Inbox {
  readonly messages: Message[] = [];
  constructor(readonly channel: RTCDataChannel) {
    channel.onMessage.subscribe((data) => this.messages.push(JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as Message));
  }
  async next(what: string, match: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    await waitUntil(what, () => this.messages.some(match), timeoutMs);
    return this.messages.find(match)!;
  }
  send(m: Message): void {
    this.channel.send(JSON.stringify(m));
  }
}

type Ctx = { stack?: RunningStack; people: MediaParticipant[]; inboxes: Inbox[]; baseline: string[] };
const test = suite<Ctx>('bridge channel over SCTP', { people: [], inboxes: [], baseline: [] });

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startStack({ bridges: 1 });
  for (let i = 0; i < 2; i++) {
    const p = await MediaParticipant.join({ port: ctx.stack.server.tcpPort, room: ROOM, dataChannel: true });
    ctx.people.push(p);
    // Listening from the start: ServerHello and the first ForwardedSources come as soon as it opens.
    if (p.dataChannel !== undefined) ctx.inboxes.push(new Inbox(p.dataChannel));
  }
  await Promise.all(ctx.people.map((p) => p.connected()));
});

test.after(async (ctx) => {
  for (const p of ctx.people) await p.close();
  await ctx.stack?.close();
  await assertNoLeakedHandles(ctx.baseline, 5000);
});

test('the focus offers a data content with sctpmap 5000 webrtc-datachannel, bundled with audio and video (§10)', (ctx) => {
  // The testkit keeps the IQ the Jingle was decoded from.
  const offer = ctx.people[0]!.offer as MediaParticipant['offer'] & { readonly iq?: El };
  // On the wire, as Jicofo writes it: an empty application description and the sctpmap in the ICE transport.
  const jingle = offer.iq === undefined ? undefined : child(offer.iq, 'jingle');
  const dataContent = jingle === undefined ? undefined : children(jingle, 'content').find((c) => c.attrs.name === 'data');
  assert.ok(dataContent !== undefined, 'the session-initiate IQ carries the data content');
  const xml = serialize(dataContent);
  assert.match(xml, /<description xmlns="urn:xmpp:jingle:apps:rtp:1" media="application"\/>/);
  assert.match(xml, /<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1"[^>]*>.*<sctpmap xmlns="urn:xmpp:jingle:transports:dtls-sctp:1" number="5000" protocol="webrtc-datachannel" streams="1024"\/>/s);
  assert.match(xml, /<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="actpass">/);
  const data = offer.contents.find((c) => c.name === 'data');
  assert.ok(data !== undefined, 'a content named data');
  assert.equal(data.transport?.sctp, { number: 5000, protocol: 'webrtc-datachannel', streams: 1024 });
  assert.equal(offer.groups.find((g) => g.semantics === 'BUNDLE')?.contents, ['audio', 'video', 'data']);
});

test('the data channel opens, the bridge greets with ServerHello and relays EndpointMessage over SCTP', async (ctx) => {
  const [a, b] = ctx.people as [MediaParticipant, MediaParticipant];
  for (const p of [a, b]) {
    const dc = p.dataChannel;
    assert.ok(dc !== undefined, `${p.id} opened a data channel`);
    await waitUntil(`${p.id}'s data channel open`, () => dc.readyState === 'open', 10_000);
  }
  const [ia, ib] = ctx.inboxes as [Inbox, Inbox];
  await ia.next('ServerHello over SCTP', (m) => m.colibriClass === 'ServerHello');
  await ib.next('ServerHello over SCTP', (m) => m.colibriClass === 'ServerHello');
  ia.send({ colibriClass: 'EndpointMessage', to: b.id, from: 'forged', msgPayload: { type: 'e2e-ping-request', id: 7 } });
  const relayed = await ib.next('the EndpointMessage at b', (m) => m.colibriClass === 'EndpointMessage');
  assert.is(relayed.from, a.id, 'the bridge sets from to the sender');
  assert.equal(relayed.msgPayload, { type: 'e2e-ping-request', id: 7 });
  ia.send({ colibriClass: 'EndpointMessage', to: '', msgPayload: { hello: 'all' } });
  await ib.next('the broadcast at b', (m) => m.colibriClass === 'EndpointMessage' && (m.msgPayload as { hello?: string }).hello === 'all');
  const stats = await bridgeHttpStats(ctx.stack!.bridges[0]!);
  assert.equal([stats.bridge_channels_opened_sctp, stats.bridge_channels_opened_websocket], [2, 0], 'both channels are SCTP, no WebSocket');
});

test('receiver constraints over SCTP give ForwardedSources, and the dominant speaker change arrives over SCTP', async (ctx) => {
  const [a, b] = ctx.people as [MediaParticipant, MediaParticipant];
  const [, ib] = ctx.inboxes as [Inbox, Inbox];
  const forwarded = (sources: string[]) => (m: Message): boolean => m.colibriClass === 'ForwardedSources' && JSON.stringify(m.forwardedSources) === JSON.stringify(sources);
  ib.send({ colibriClass: 'ReceiverVideoConstraints', lastN: 0, assumedBandwidthBps: 10_000_000, constraints: {} });
  await ib.next('lastN 0: b is told it gets no video', forwarded([]));
  const mark = ib.messages.length;
  ib.send({ colibriClass: 'ReceiverVideoConstraints', lastN: 1 });
  let k = 0;
  let isSending = true;
  const loop = (async () => {
    for (; isSending; k++) {
      // a speaks (RFC 6464 voice activity, loud with dips), b is silent.
      a.sendAudio(audioPayload(0, k), 0x80 | (Date.now() % 400 < 40 ? 70 : 30));
      b.sendAudio(audioPayload(1, k), 0x7f);
      a.sendVideo(vp8Frame({ sender: 0, layer: 0, k }, (1000 + k) & 0x7fff, k % 10 === 0, 200));
      await sleep(20);
    }
  })();
  try {
    await ib.next(`b hears that ${a.id} is the dominant speaker`, (m) => m.colibriClass === 'DominantSpeakerEndpointChangeEvent' && m.dominantSpeakerEndpoint === a.id, 20_000);
    await waitUntil(`lastN 1: b is told it gets ${a.videoSourceName}`, () => ib.messages.slice(mark).some(forwarded([a.videoSourceName])), 10_000);
    await waitUntil('a\'s video reaches b', () => b.received.some((p) => p.header.ssrc === a.videoSsrcs[0]), 10_000);
  } finally {
    isSending = false;
    await loop;
  }
});

test('hostile SCTP: a channel with another protocol is refused; garbage SCTP aborts only the association, media keeps flowing', async (ctx) => {
  const [a, b] = ctx.people as [MediaParticipant, MediaParticipant];
  const bridge = ctx.stack!.bridges[0]!;
  const before = await bridgeHttpStats(bridge);
  const other = a.pc.createDataChannel('not the bridge channel', { protocol: 'urn:example:other' });
  await waitUntil('the bridge refuses the other protocol', async () => ((await bridgeHttpStats(bridge)).sctp_data_channels_refused as number) > (before.sctp_data_channels_refused as number), 10_000);
  await waitUntil('the refused channel closes at the client', () => other.readyState === 'closed', 10_000);
  assert.is(a.dataChannel?.readyState, 'open', 'the bridge channel stays open');

  // A chunk of length 0 (werift's parser would loop forever on it) in a packet with a valid header.
  const garbage = Buffer.alloc(16);
  garbage.writeUInt16BE(5000, 0);
  garbage.writeUInt16BE(5000, 2);
  await a.dtls.sendData(garbage);
  await waitUntil('the association is aborted', async () => ((await bridgeHttpStats(bridge)).sctp_associations_aborted as number) > (before.sctp_associations_aborted as number), 10_000);
  const mark = b.received.length;
  for (let k = 0; k < 20; k++) {
    a.sendAudio(audioPayload(0, 10_000 + k), 0x7f);
    await sleep(20);
  }
  await waitUntil('a\'s audio still reaches b', () => b.received.slice(mark).some((p) => p.header.ssrc === a.audioSsrc), 10_000);
  const [, ib] = ctx.inboxes as [Inbox, Inbox];
  ib.send({ colibriClass: 'ClientHello' });
  const hellos = ib.messages.filter((m) => m.colibriClass === 'ServerHello').length;
  await ib.next('b\'s channel still answers', () => ib.messages.filter((m) => m.colibriClass === 'ServerHello').length > hellos);
});

test.run();
