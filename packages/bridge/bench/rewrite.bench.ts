// Micro-benchmark of the bridge's per-packet forwarding work without crypto or sockets: parse an
// incoming 1200-byte VP8 RTP packet once, then per receiver decide (simulcast/temporal layer), copy
// it into a reusable send buffer, map the header extension ids, write the receiver's transport-wide
// sequence number and rewrite SSRC / sequence number / timestamp / picture id / TL0PICIDX.
// Also counts garbage collections during the timed loops: zero means the path allocates nothing.
//
//   node --import tsx packages/bridge/bench/rewrite.bench.ts [--packets 2000000] [--receivers 10]
//
// Not a test: it prints numbers for docs/benchmarks.md.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { copyBytes } from '../src/rtp/copy-bytes.ts';
import { newInboundPacket, readInboundPacket } from '../src/rtp/inbound-packet.ts';
import { PacketCache } from '../src/rtp/packet-cache.ts';
import { rewriteRtpExtensionIds, writeRtpSequenceNumber, writeRtpTimestamp, writeRtpTransportSequence } from '../src/rtp/rtp-header.ts';
import { newOutboundStream, setStreamTarget, stepOutboundStream, writeOutbound, isForwarded, type OutboundStream } from '../src/routing/stream-rewriter.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PACKETS = arg('packets', 2_000_000);
const RECEIVERS = arg('receivers', 10);
const RUNS = arg('runs', 5);
const SSRC = 0x11223344;
const TWCC_ID = 5;

/** A Chrome-shaped 1200-byte VP8 packet: abs-send-time, transport-cc and mid extensions, full descriptor. */
function makePacket(): Buffer {
  const p = Buffer.alloc(1200, 0x5a);
  const head = Buffer.from([
    0x90, 0x60, 0x00, 0x01, // V=2 X=1 | PT=96 | seq
    0x00, 0x00, 0x00, 0x00, // timestamp
    0x11, 0x22, 0x33, 0x44, // SSRC
    0xbe, 0xde, 0x00, 0x03, // one-byte extensions, 3 words
    0x32, 0x01, 0x02, 0x03, // id 3 abs-send-time
    0x51, 0x00, 0x01, // id 5 transport-cc
    0x40, 0x30, // id 4 mid "0"
    0x00, 0x00, 0x00, // padding
    0x90, 0xe0, 0x80, 0x01, 0x00, 0x20, // VP8 descriptor: S | I L T | 15-bit picture id | TL0PICIDX | TID 0 Y
    0x11, 0x00, 0x00, // VP8 payload header (inter frame)
  ]);
  head.copy(p);
  return p;
}

const idMap = new Uint8Array(256);
idMap[3] = 2; // abs-send-time: 3 → 2
idMap[5] = 5; // transport-cc kept
idMap[4] = 1; // mid: 4 → 1

type Result = { name: string; nsPerPacket: number; gcs: number };

let gcCount = 0;
new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

function time(name: string, packets: number, fn: (n: number) => void): Result {
  fn(Math.min(200_000, packets)); // warm up (JIT)
  const samples: number[] = [];
  let gcs = 0;
  for (let r = 0; r < RUNS; r++) {
    const before = gcCount;
    const t0 = performance.now();
    fn(packets);
    const t1 = performance.now();
    gcs += gcCount - before;
    samples.push(((t1 - t0) * 1e6) / packets);
  }
  samples.sort((a, b) => a - b);
  return { name, nsPerPacket: samples[Math.floor(samples.length / 2)]!, gcs };
}

const input = makePacket();
const out = Buffer.alloc(1500);
const pkt = newInboundPacket();
const streams: OutboundStream[] = Array.from({ length: RECEIVERS }, (_, i) => {
  const s = newOutboundStream({ outSsrc: 0xa0000000 + i, clockRateHz: 90000 });
  setStreamTarget(s, SSRC);
  return s;
});
let seq = 0;
let twcc = 0;
let sink = 0;

/** The sender's next packet: new sequence number, timestamp and picture id (what arrival would bring). */
function arrive(): void {
  seq = (seq + 1) & 0xffff;
  writeRtpSequenceNumber(input, seq);
  writeRtpTimestamp(input, (seq * 3000) >>> 0);
  input[30] = 0x80 | ((seq >> 8) & 0x7f); // picture id (descriptor at 28: 90 e0 | pid pid | tl0 | tid)
  input[31] = seq & 0xff;
  input[32] = seq & 0xff; // TL0PICIDX
}

// the first packet must be a key frame for the streams to start (VP8 payload header at 34)
input[34] = 0x10;
input.set([0x9d, 0x01, 0x2a], 37);
readInboundPacket(input, input.length, 'vp8', pkt);
for (const s of streams) if (stepOutboundStream(s, pkt, 0) !== 1) throw new Error('bench setup: key frame not taken');
input[34] = 0x11;

const results: Result[] = [];

results.push(time('copy 1200 B into the send buffer', PACKETS, (n) => {
  for (let i = 0; i < n; i++) sink += copyBytes(input, 0, 1200, out, 0);
}));

results.push(time('parse once: RTP header + VP8 descriptor', PACKETS, (n) => {
  for (let i = 0; i < n; i++) {
    arrive();
    if (readInboundPacket(input, 1200, 'vp8', pkt)) sink += pkt.payloadOffset;
  }
}));

input.copy(out);
results.push(time('map extension ids (3 elements)', PACKETS, (n) => {
  for (let i = 0; i < n; i++) if (rewriteRtpExtensionIds(out, 1200, idMap)) sink++;
}));

results.push(time('write transport-wide seq', PACKETS, (n) => {
  for (let i = 0; i < n; i++) if (writeRtpTransportSequence(out, 1200, TWCC_ID, (twcc = (twcc + 1) & 0xffff))) sink++;
}));

const one = streams[0]!;
results.push(time('parse + layer decision + SSRC/seq/ts/picture id/TL0PICIDX rewrite (no copy)', PACKETS, (n) => {
  for (let i = 0; i < n; i++) {
    arrive();
    readInboundPacket(input, 1200, 'vp8', pkt);
    if (isForwarded(stepOutboundStream(one, pkt, i))) writeOutbound(one, pkt, out);
  }
}));

results.push(time('full per-packet path, 1 receiver (parse, decide, copy, ext ids, TWCC seq, rewrite)', PACKETS, (n) => {
  for (let i = 0; i < n; i++) {
    arrive();
    readInboundPacket(input, 1200, 'vp8', pkt);
    if (!isForwarded(stepOutboundStream(one, pkt, i))) continue;
    copyBytes(input, 0, 1200, out, 0);
    rewriteRtpExtensionIds(out, 1200, idMap);
    writeRtpTransportSequence(out, 1200, TWCC_ID, (twcc = (twcc + 1) & 0xffff));
    writeOutbound(one, pkt, out);
  }
}));

const fanout = time(`fan-out: 1 parse + ${RECEIVERS} receivers (per egress packet)`, Math.floor(PACKETS / RECEIVERS), (n) => {
  for (let i = 0; i < n; i++) {
    arrive();
    readInboundPacket(input, 1200, 'vp8', pkt);
    for (let r = 0; r < streams.length; r++) {
      const s = streams[r]!;
      if (!isForwarded(stepOutboundStream(s, pkt, i))) continue;
      copyBytes(input, 0, 1200, out, 0);
      rewriteRtpExtensionIds(out, 1200, idMap);
      writeRtpTransportSequence(out, 1200, TWCC_ID, (twcc = (twcc + 1) & 0xffff));
      writeOutbound(s, pkt, out);
    }
  }
});
results.push({ ...fanout, nsPerPacket: fanout.nsPerPacket / RECEIVERS });

const cache = new PacketCache();
const stream = cache.addStream(SSRC);
results.push(time('packet cache insert (ingress, once per packet)', PACKETS, (n) => {
  for (let i = 0; i < n; i++) if (cache.insert(stream, i & 0xffff, input, 1200, i)) sink++;
}));
results.push(time('packet cache lookup + copy out (per NACKed packet)', PACKETS, (n) => {
  for (let i = 0; i < n; i++) sink += cache.copyOut(stream, (n - 1 - (i & 127)) & 0xffff, n, out, 0);
}));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`rewrite.bench: Node ${process.version}, ${cpu}, ${PACKETS} packets × ${RUNS} runs (median), ${RECEIVERS} receivers for fan-out`);
console.log('| step | ns/packet | GCs during timed runs |');
console.log('| --- | ---: | ---: |');
for (const r of results) console.log(`| ${r.name} | ${r.nsPerPacket.toFixed(1)} | ${r.gcs} |`);
if (sink === 42) console.log('');
