// Issue 4 proof, RTCP reports, /metrics and lost endpoints, through the real bridge with werift peers
// (signalled by a fake focus on the wire): while two peers send audio and video,
//  - each receiver gets sender reports for the SSRCs it is forwarded (translated, with counts the
//    bridge sent it) and each sender gets the bridge's receiver reports about its SSRCs;
//  - GET /metrics is strict Prometheus text whose counters and rates move with the media;
//  - a peer that goes silent (closed: no more ICE consent) is expired after the consent timeout,
//    the others hear `EndpointConnectivityStatusChangeEvent {active:"false"}` on the bridge channel,
//    and the focus that allocated the conference receives the bridge's endpoint-lost notice; once
//    the peer is back (re-allocated, connected), the others hear it is active again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpSrPacket, RtpHeader, RtpPacket } from 'werift';
import { child } from '@plenum/xmpp/codec';
import type { MediaStack } from '../transport/media-harness.ts';
import { startMediaStack, stopMediaStack } from '../transport/media-harness.ts';
import { ChannelClient } from '../channel/channel-client.ts';
import type { ConferencePeer, ExtensionIds } from './conference-peer.ts';
import { OPUS_PT, VP8_PT, connected, joinPeer } from './conference-peer.ts';

const MEETING = 'meet-reports';
// werift refreshes consent every 4–6 s (RFC 7675's 5 s ± 20 %): the live peers must stay fresh.
const CONSENT_TIMEOUT_MS = 7000;
const PEERS: readonly { id: string; ids: ExtensionIds }[] = [
  { id: 'ep-a', ids: { audioLevel: 1, twcc: 5, mid: 4 } },
  { id: 'ep-b', ids: { audioLevel: 3, twcc: 2, mid: 9 } },
  { id: 'ep-c', ids: { audioLevel: 10, twcc: 7, mid: 12 } },
];

/** VP8 payload (RFC 7741): descriptor with a picture id, a key frame header on the first packet. */
function videoPayload(k: number): Buffer {
  const descriptor = [0x90, 0x80, 0x80 | ((k >> 8) & 0x7f), k & 0xff];
  const header = k === 0 ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00, 0x00, 0x00, 0x00];
  return Buffer.concat([Buffer.from([...descriptor, ...header]), Buffer.alloc(200, k & 0xff)]);
}

// ---- a strict reader of the Prometheus text format (0.0.4) ---------------------------------------

type Scrape = { types: Map<string, string>; values: Map<string, number> };

/** Parses exposition text, failing on anything the format does not allow; series key: `name{labels}`. */
function parsePrometheus(text: string): Scrape {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const values = new Map<string, number>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(`^(${name})(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$`);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${name}) (.+)$`).exec(line);
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge)$`).exec(line);
    if (help !== null) {
      assert.not.ok(helps.has(help[1]!), `one HELP for ${help[1]}`);
      helps.add(help[1]!);
      continue;
    }
    if (type !== null) {
      assert.ok(helps.has(type[1]!), `HELP before TYPE for ${type[1]}`);
      assert.not.ok(types.has(type[1]!), `one TYPE for ${type[1]}`);
      types.set(type[1]!, type[2]!);
      if (type[2] === 'counter') assert.ok(type[1]!.endsWith('_total'), `counter ${type[1]} ends in _total`);
      assert.ok(type[1]!.startsWith('plenum_bridge_'), `${type[1]} is prefixed plenum_bridge_`);
      continue;
    }
    const m = sample.exec(line);
    assert.ok(m !== null, `a valid sample line: ${line}`);
    assert.ok(types.has(m[1]!), `${m[1]} declared (TYPE) before its samples`);
    const key = `${m[1]}${m[2] ?? ''}`;
    assert.not.ok(values.has(key), `series ${key} appears once`);
    const v = Number(m[3]);
    assert.ok(!Number.isNaN(v) && v >= 0, `${key} is a non-negative number`);
    values.set(key, v);
  }
  for (const [n, t] of types) assert.ok([...values.keys()].some((k) => k === n || k.startsWith(`${n}{`)), `${t} ${n} has samples`);
  return { types, values };
}

async function scrape(stack: MediaStack): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/metrics`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

type Ctx = { stack: MediaStack; peers: ConferencePeer[]; channels: ChannelClient[]; baseline: string[] };
const test = suite<Ctx>('RTCP reports, /metrics and lost endpoints with werift peers');

test.before(async (ctx) => {
  ctx.baseline = process.getActiveResourcesInfo();
  ctx.stack = await startMediaStack({ ice: { consentTimeoutMs: CONSENT_TIMEOUT_MS } });
  ctx.peers = [];
  ctx.channels = [];
});

test.after(async (ctx) => {
  for (const c of ctx.channels) c.terminate();
  for (const p of ctx.peers) await p.pc.close();
  await stopMediaStack(ctx.stack);
  await sleep(50);
  const leaked = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && !ctx.baseline.includes(r));
  assert.equal(leaked, [], 'no sockets left behind');
});

test('SRs reach receivers, RRs reach senders, /metrics moves; a silent peer is expired, the others and the focus are told', async (ctx) => {
  const { stack } = ctx;
  for (const [i, p] of PEERS.entries()) ctx.peers.push(await joinPeer(stack, MEETING, p.id, p.ids, i === 0));
  await Promise.all(ctx.peers.map((p) => connected(p.pc).catch((error: unknown) => {
    throw new Error(`${p.id}: ${(error as Error).message}`);
  })));
  const [a, b, c] = ctx.peers as [ConferencePeer, ConferencePeer, ConferencePeer];
  const before = await scrape(stack);
  assert.is(before.values.get('plenum_bridge_endpoints'), 3);
  assert.is(before.values.get('plenum_bridge_conferences'), 1);
  assert.is(before.types.get('plenum_bridge_rtp_packets_received_total'), 'counter');
  assert.is(before.types.get('plenum_bridge_rtt_seconds'), 'gauge');

  // a's bridge channel, opened as lib-jitsi-meet does (the offer's ICE pwd is the bridge's).
  const pwd = /^a=ice-pwd:(.+)$/m.exec(a.pc.remoteDescription?.sdp ?? '')?.[1]?.trim() ?? '';
  const channel = await ChannelClient.open(`ws://127.0.0.1:${stack.bridge.httpPort}/colibri-ws/${stack.bridge.id}/${MEETING}/${a.id}?pwd=${pwd}`);
  ctx.channels.push(channel);

  // a and b send 20 ms audio and 30 ms video frames; werift sends an SR every 0.5–1.5 s per SSRC.
  let stop = false;
  const senders = [a, b];
  const sending = (async () => {
    for (let k = 0; !stop; k++) {
      for (const p of senders) {
        p.audio.writeRtp(new RtpPacket(new RtpHeader({ payloadType: OPUS_PT, sequenceNumber: 100 + k, timestamp: 960 * k, marker: true }), Buffer.alloc(40, 1)));
        if (k % 3 === 0) p.video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: VP8_PT, sequenceNumber: 7000 + k / 3, timestamp: 2700 * k, marker: true }), videoPayload(k / 3)));
      }
      await sleep(10);
    }
  })();
  const srsAbout = (receiver: ConferencePeer, ssrc: number): RtcpSrPacket[] => receiver.rtcp.filter((r): r is RtcpSrPacket => r instanceof RtcpSrPacket && r.ssrc === ssrc);
  const rrBlocksAbout = (sender: ConferencePeer, ssrc: number) =>
    sender.rtcp.flatMap((r) => (r instanceof RtcpRrPacket ? r.reports : [])).filter((x) => x.ssrc === ssrc);
  try {
    await until('SRs and RRs for every forwarded SSRC', () => [b, c].every((r) => srsAbout(r, a.videoSsrc).length > 0 && srsAbout(r, a.audioSsrc).length > 0)
      && [a, c].every((r) => srsAbout(r, b.videoSsrc).length > 0)
      && senders.every((s) => rrBlocksAbout(s, s.videoSsrc).length > 0 && rrBlocksAbout(s, s.audioSsrc).length > 0), 10_000);
    const during = await scrape(stack);
    stop = true;
    await sending;

    for (const receiver of [b, c]) {
      const sr = srsAbout(receiver, a.videoSsrc)[0]!;
      const gotVideo = receiver.received.filter((p) => p.header.ssrc === a.videoSsrc).length;
      assert.ok(sr.senderInfo.packetCount > 0 && sr.senderInfo.packetCount <= gotVideo, `${receiver.id}: the SR counts what the bridge sent it (${sr.senderInfo.packetCount} ≤ ${gotVideo})`);
      assert.ok(sr.senderInfo.ntpTimestamp > 0n, 'the sender\'s NTP time');
      assert.is(sr.reports.length, 0, 'no report blocks of the sender\'s');
      const sdes = receiver.rtcp.find((r) => r instanceof RtcpSourceDescriptionPacket && r.chunks.some((ch) => ch.source === a.videoSsrc)) as RtcpSourceDescriptionPacket | undefined;
      assert.is(sdes?.chunks.find((ch) => ch.source === a.videoSsrc)?.items[0]?.text, a.id, 'with a CNAME');
      assert.is(srsAbout(receiver, receiver.videoSsrc).length, 0, 'never its own source');
    }
    assert.is(srsAbout(a, a.videoSsrc).length, 0, 'a\'s SR is not sent back to a');
    for (const s of senders) {
      const video = rrBlocksAbout(s, s.videoSsrc).at(-1)!;
      assert.ok(video.highestSequence >= 7000, `${s.id}: the bridge reports the video sequence numbers it got (${video.highestSequence})`);
      assert.is(video.packetsLost, 0, 'nothing lost on loopback');
    }

    const v = (m: Scrape, key: string): number => m.values.get(key) ?? NaN;
    assert.ok(v(during, 'plenum_bridge_rtp_packets_received_total') > v(before, 'plenum_bridge_rtp_packets_received_total'), 'packets in counted');
    assert.ok(v(during, 'plenum_bridge_rtp_packets_forwarded_total') > 0, 'forwarded');
    assert.ok(v(during, 'plenum_bridge_incoming_packets_per_second') > 0, 'an incoming packet rate while media flows');
    assert.ok(v(during, 'plenum_bridge_outgoing_bits_per_second') > 0, 'an outgoing bit rate while media flows');
    assert.ok(v(during, 'plenum_bridge_receiver_reports_sent_total') > 0);
    assert.ok(v(during, 'plenum_bridge_sender_reports_relayed_total') > 0);
    assert.ok(v(during, 'plenum_bridge_rtp_packets_expected_total') > 0);
    assert.is(v(during, 'plenum_bridge_transport_dropped_total{reason="srtp_auth_failed"}'), 0);
    assert.is(v(during, 'plenum_bridge_forwarding_dropped_total{reason="rtcp_malformed"}'), 0, 'werift\'s RTCP all valid');
    assert.is(v(during, 'plenum_bridge_channel_open'), 1);
    const stats = (await (await fetch(`http://127.0.0.1:${stack.bridge.httpPort}/colibri/stats`)).json()) as Record<string, number>;
    assert.ok((stats.forwarding_rtcp_sender_reports_relayed ?? 0) > 0, '/colibri/stats keeps its JSON, with the report counters');
  } finally {
    stop = true;
    await sending;
  }

  // c goes silent: its connection closes and no more consent checks reach the bridge.
  await c.pc.close();
  const event = await channel.next((m) => m.colibriClass === 'EndpointConnectivityStatusChangeEvent', CONSENT_TIMEOUT_MS + 5000, 'connectivity event');
  assert.equal(event, { colibriClass: 'EndpointConnectivityStatusChangeEvent', endpoint: c.id, active: 'false' });
  const notice = await stack.focus.next((e) => e.name === 'iq' && child(e, 'endpoint-lost', 'urn:plenum:bridge:0') !== undefined, 3000, 'endpoint-lost notice');
  assert.is(notice.attrs.type, 'set');
  assert.is(notice.attrs.from, stack.bridge.domain, 'from the bridge (the fake focus addressed its component domain)');
  assert.equal(child(notice, 'endpoint-lost', 'urn:plenum:bridge:0')?.attrs, {
    xmlns: 'urn:plenum:bridge:0', 'meeting-id': MEETING, 'endpoint-id': c.id, reason: 'consent-expired',
  });
  assert.is((await scrape(stack)).values.get('plenum_bridge_endpoints'), 2);

  // Re-invited (as the focus does on the notice): once its new transport connects, a hears it is back.
  const back = await joinPeer(stack, MEETING, c.id, c.ids, false);
  ctx.peers.push(back);
  await connected(back.pc).catch((error: unknown) => {
    throw new Error(`the re-allocated ${c.id}: ${(error as Error).message}`);
  });
  const active = await channel.next((m) => m.colibriClass === 'EndpointConnectivityStatusChangeEvent' && m.active === 'true', 5000, 'active again');
  assert.equal(active, { colibriClass: 'EndpointConnectivityStatusChangeEvent', endpoint: c.id, active: 'true' });
});

test.run();
