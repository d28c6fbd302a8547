// The load generator (a forked child of bench.ts). It is the focus too: over XEP-0114 it allocates
// endpoints on the bridge with COLIBRI2 and signals their transport, media and sources, as jicofo
// would. Each endpoint is one UDP socket made of werift's parts (as the bridge's raw-peer tests):
// an ICE check (USE-CANDIDATE), DTLS 1.2 as client, SRTP (AEAD_AES_128_GCM) from the exported keys.
//
// Cost kept far below the bridge's: before each run every stream's packets for the whole run are
// encrypted up front (SRTP index advancing), so sending is one `send` on a connected socket; the
// sinks never decrypt: they read the clear-text tag in the RTP header extension (packets.ts) and
// look up the send time.
import { createSocket } from 'node:dgram';
import { WebSocket } from 'ws';
import type { Socket } from 'node:dgram';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import { ProtectionProfileAeadAes128Gcm, RTP_EXTENSION_URI, RtpHeader, SrtpSession, keyLength, saltLength } from 'werift-rtp';
import { connectComponent } from '@plenum/testkit';
import type { WireClient } from '@plenum/testkit';
import type { Colibri2Media, Colibri2MediaSource, ConferenceModify, El, IceUdpTransport } from '@plenum/xmpp/codec';
import { child, decodeConferenceModified, el, encodeConferenceModify, serialize } from '@plenum/xmpp/codec';
import { createDtlsCertificate } from '../../packages/bridge/src/transport/dtls-certificate.ts';
import type { DtlsCertificate } from '../../packages/bridge/src/transport/dtls-certificate.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from '../../packages/bridge/src/transport/werift-dtls.ts';
import type { FromGenerator, GeneratorConfig, RunResult, ToGenerator } from './protocol.ts';
import { LATENCY_BUCKETS, LATENCY_BUCKET_US } from './protocol.ts';
import type { StreamState } from './packets.ts';
import { AUDIO_LEVEL_EXT_ID, HEADER_BYTES, OPUS_PT, TAG_EXT_ID, TAG_EXT_URI, TWCC_EXT_ID, VP8_PT, nextPlainPacket, readTag } from './packets.ts';

const HOST = '127.0.0.1';
const KEEPALIVE_MS = 5000;
/** DTLS handshakes in flight at once while growing. */
const SETUP_BATCH = 8;
const SEND_TICK_MS = 1;

type Stream = StreamState & {
  readonly endpoint: Endpoint;
  /** Whether the bridge forwards this stream to the other endpoints (audio, and the simulcast layer they ask for). */
  readonly forwarded: boolean;
  readonly pps: number;
  /** Random phase, so streams do not send in lockstep. */
  readonly phaseMs: number;
  /** This run's pre-encrypted packets and the packet index of the first. */
  ring: Buffer[];
  base: number;
  /** Packets of the ring sent so far. */
  sent: number;
  /** Send time (performance.now(), ms) of ring packet i. */
  sendTimes: Float64Array;
};

type Endpoint = {
  readonly id: string;
  readonly conference: number;
  readonly socket: Socket;
  readonly streams: Stream[];
  srtp: SrtpSession | undefined;
  keepalive: NodeJS.Timeout | undefined;
  /** The endpoint's bridge channel, over which it asks for the video height it receives. */
  channel: WebSocket | undefined;
};

const send = (m: FromGenerator): void => void process.send?.(m);

let config: GeneratorConfig;
let focus: WireClient;
let certificate: DtlsCertificate;
const endpoints: Endpoint[] = [];
const streams: Stream[] = [];
let conferences = 0;
let iqId = 0;

// --- measurement state of the current run ---
let windowOpen = Infinity;
let windowClose = Infinity;
let received = 0;
let stale = 0;
let maxLatencyUs = 0;
let histogram = new Uint32Array(LATENCY_BUCKETS);
const tag = new Uint32Array(2);

function onMedia(datagram: Buffer): void {
  if (!readTag(datagram, tag)) return;
  const s = streams[tag[0]!];
  if (s === undefined) return;
  const i = tag[1]! - s.base;
  if (i < 0 || i >= s.sent) {
    stale++;
    return;
  }
  const sentAt = s.sendTimes[i]!;
  if (sentAt < windowOpen || sentAt > windowClose) return;
  received++;
  const us = (performance.now() - sentAt) * 1000;
  if (us > maxLatencyUs) maxLatencyUs = us;
  const b = Math.floor(us / LATENCY_BUCKET_US);
  histogram[b < LATENCY_BUCKETS - 1 ? b : LATENCY_BUCKETS - 1]!++;
}

async function modify(m: ConferenceModify): Promise<El> {
  const id = `bench-${++iqId}`;
  focus.send(el('iq', { from: `${config.focusDomain}/focus`, to: config.bridgeDomain, type: 'set', id }, encodeConferenceModify(m)));
  const reply = await focus.next((e) => e.name === 'iq' && e.attrs.id === id, 10_000, `reply to ${id}`);
  if (reply.attrs.type !== 'result') throw new Error(`colibri2 refused: ${serialize(reply).slice(0, 400)}`);
  return reply;
}

function colibriMedia(): Colibri2Media[] {
  const common = [{ id: TWCC_EXT_ID, uri: RTP_EXTENSION_URI.transportWideCC }, { id: TAG_EXT_ID, uri: TAG_EXT_URI }];
  return [
    {
      type: 'audio', extmapAllowMixed: false,
      payloadTypes: [{ id: OPUS_PT, name: 'opus', clockrate: 48000, channels: 2, parameters: [], rtcpFeedback: [] }],
      headerExtensions: [...common, { id: AUDIO_LEVEL_EXT_ID, uri: RTP_EXTENSION_URI.audioLevelIndication }],
    },
    {
      type: 'video', extmapAllowMixed: false,
      payloadTypes: [{ id: VP8_PT, name: 'VP8', clockrate: 90000, parameters: [], rtcpFeedback: [] }],
      headerExtensions: common,
    },
  ];
}

function checkBytes(bridge: IceUdpTransport, ufrag: string): { bytes: Buffer; txid: string } {
  const m = new Message(methods.BINDING, classes.REQUEST)
    .setAttribute('USERNAME', `${bridge.ufrag ?? ''}:${ufrag}`)
    .setAttribute('PRIORITY', 1853817087)
    .setAttribute('ICE-CONTROLLING', 0x0102030405060708n)
    .setAttribute('USE-CANDIDATE', null);
  m.addMessageIntegrity(Buffer.from(bridge.pwd ?? '')).addFingerprint();
  return { bytes: m.bytes, txid: m.transactionIdHex };
}

/** Allocates, signals and connects one endpoint. */
async function addEndpoint(conference: number, index: number): Promise<Endpoint> {
  const meetingId = `bench-${conference}`;
  const id = `c${conference}e${index}`;
  const allocated = await modify({
    meetingId, ...(index === 0 ? { create: true } : {}),
    endpoints: [{ id, create: true, media: [], capabilities: ['source-names'], transport: { iceControlling: true } }],
  });
  const payload = child(allocated, 'conference-modified', 'jitsi:colibri2');
  const decoded = payload === undefined ? undefined : decodeConferenceModified(payload);
  const bridge = decoded?.ok === true ? decoded.value.endpoints[0]?.transport?.iceUdp : undefined;
  const bridgePort = bridge?.candidates[0]?.port;
  if (bridge === undefined || bridgePort === undefined) throw new Error(`no transport for ${id}`);
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((r) => socket.bind(0, HOST, r));
  await new Promise<void>((r) => socket.connect(bridgePort, HOST, r));
  const ufrag = `${id}uf`.padEnd(8, 'x');
  const pwd = `${id}-bench-password-0123456789`;
  const ep: Endpoint = { id, conference, socket, streams: [], srtp: undefined, keepalive: undefined, channel: undefined };
  const audioSsrc = randomInt(1, 2 ** 31);
  const layers = videoLayers(config);
  const videoSsrcs = layers.map(() => randomInt(1, 2 ** 31));
  const sources: Colibri2MediaSource[] = [
    { type: 'audio', id: `${id}-a0`, sources: [{ ssrc: audioSsrc, name: `${id}-a0`, parameters: [] }], sourceGroups: [] },
    ...(layers.length > 0 ? [{
      type: 'video' as const, id: `${id}-v0`,
      sources: videoSsrcs.map((ssrc) => ({ ssrc, name: `${id}-v0`, videoType: 'camera' as const, parameters: [] })),
      sourceGroups: videoSsrcs.length > 1 ? [{ semantics: 'SIM' as const, ssrcs: videoSsrcs }] : [],
    }] : []),
  ];
  await modify({
    meetingId,
    endpoints: [{
      id, capabilities: [], media: colibriMedia(), sources,
      transport: { iceUdp: { ufrag, pwd, fingerprints: [{ hash: 'sha-256', setup: 'active', value: certificate.fingerprint }], candidates: [], rtcpMux: true } },
    }],
  });
  const pending = new Map<string, () => void>();
  let onDtls: (d: Buffer) => void = () => undefined;
  socket.on('message', (d: Buffer) => {
    const first = d[0] ?? 255;
    if (first >= 128 && first <= 191) onMedia(d);
    else if (first <= 3) {
      const m = parseMessage(d, Buffer.from(bridge.pwd ?? ''));
      if (m !== undefined) pending.get(m.transactionIdHex)?.();
    } else if (first >= 20 && first <= 63) onDtls(d);
  });
  // ICE: one check, answered.
  const { bytes, txid } = checkBytes(bridge, ufrag);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id}: no STUN response`)), 5000);
    pending.set(txid, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.send(bytes);
  });
  ep.keepalive = setInterval(() => socket.send(checkBytes(bridge, ufrag).bytes), KEEPALIVE_MS);
  // DTLS as client over this socket.
  const transport: ConstructorParameters<typeof DtlsClient>[0]['transport'] = {
    type: 'udp', address: { address: HOST, family: 'IPv4', port: socket.address().port }, closed: false,
    onData: (_d: Buffer, _a: unknown): void => undefined,
    send: (b: Buffer) => {
      socket.send(b);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  onDtls = (d) => transport.onData(d, [HOST, bridgePort]);
  const client = new DtlsClient({
    transport, cert: certificate.certificatePem, key: certificate.privateKeyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: [ProtectionProfileAeadAes128Gcm], extendedMasterSecret: true,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id}: DTLS timeout`)), 10_000);
    client.onConnect.once(() => {
      clearTimeout(timer);
      resolve();
    });
    client.connect().catch(reject);
  });
  const profile = client.srtp.srtpProfile ?? ProtectionProfileAeadAes128Gcm;
  const k = client.extractSessionKeys(keyLength(profile), saltLength(profile)) as Record<string, Buffer>;
  ep.srtp = new SrtpSession({
    keys: { localMasterKey: k.localKey ?? Buffer.alloc(0), localMasterSalt: k.localSalt ?? Buffer.alloc(0), remoteMasterKey: k.remoteKey ?? Buffer.alloc(0), remoteMasterSalt: k.remoteSalt ?? Buffer.alloc(0) },
    profile,
  });
  onDtls = () => undefined;
  const newStream = (kind: 'audio' | 'video', ssrc: number, pps: number, height: number, forwarded: boolean): Stream => ({
    ssrc, kind, index: streams.length, packets: 0, packetsPerFrame: Math.max(1, Math.round(pps / 30)), keyframeEveryFrames: 60,
    videoPayloadBytes: config.videoPayloadBytes, width: Math.round(height * 16 / 9), height, endpoint: ep, forwarded, pps, phaseMs: Math.random() * 1000 / pps,
    ring: [], base: 0, sent: 0, sendTimes: new Float64Array(0),
  });
  const audio = newStream('audio', audioSsrc, config.audioPps, 0, true);
  streams.push(audio);
  ep.streams.push(audio);
  const received = receivedLayer(layers, config.receiveHeight);
  layers.forEach((layer, i) => {
    const video = newStream('video', videoSsrcs[i]!, layer.pps, layer.height, layer === received);
    streams.push(video);
    ep.streams.push(video);
  });
  if (layers.length > 0) ep.channel = askForHeight(bridge.webSocketUrl, id, config.receiveHeight);
  return ep;
}

type VideoLayer = { readonly height: number; readonly pps: number };

/** The video a sender sends: one 720p stream, or three simulcast layers at a sixth, a third and all of `videoPps`. */
function videoLayers(c: GeneratorConfig): VideoLayer[] {
  if (c.videoPps <= 0) return [];
  if (c.layers <= 1) return [{ height: 720, pps: c.videoPps }];
  return [{ height: 180, pps: Math.max(1, Math.round(c.videoPps / 6)) }, { height: 360, pps: Math.max(1, Math.round(c.videoPps / 3)) }, { height: 720, pps: c.videoPps }];
}

/** The layer the bridge forwards to a receiver asking for `height`: the tallest not above it (else the smallest). */
function receivedLayer(layers: readonly VideoLayer[], height: number): VideoLayer | undefined {
  if (layers.length <= 1) return layers[0];
  return [...layers].reverse().find((l) => l.height <= height) ?? layers[0];
}

/**
 * Opens the endpoint's bridge channel and asks for `height` for every source (as a browser's tile
 * sizes do): without it the bridge sends each receiver only its default thumbnail layer.
 */
function askForHeight(url: string | undefined, id: string, height: number): WebSocket {
  if (url === undefined) throw new Error(`${id}: the bridge offered no bridge-channel URL`);
  const ws = new WebSocket(url);
  ws.on('open', () => ws.send(JSON.stringify({ colibriClass: 'ReceiverVideoConstraints', lastN: -1, defaultConstraints: { maxHeight: height } })));
  ws.on('error', (error) => send({ kind: 'failed', reason: `${id}: bridge channel: ${error.message}` }));
  return ws;
}

async function grow(target: number): Promise<void> {
  const started = performance.now();
  while (conferences < target) {
    const c = conferences++;
    // The first endpoint creates the conference; the others join concurrently, a batch at a time.
    endpoints.push(await addEndpoint(c, 0));
    for (let i = 1; i < config.participants; i += SETUP_BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(config.participants, i + SETUP_BATCH); j++) batch.push(addEndpoint(c, j));
      endpoints.push(...await Promise.all(batch));
    }
  }
  send({ kind: 'grown', endpoints: endpoints.length, ms: Math.round(performance.now() - started) });
}

/** Encrypts every stream's packets for the coming run (their SRTP index keeps advancing across runs). */
function prepare(totalMs: number): { ms: number; count: number } {
  const started = performance.now();
  let count = 0;
  for (const s of streams) {
    const n = Math.ceil(s.pps * totalMs / 1000) + 2;
    s.base = s.packets;
    s.sent = 0;
    s.ring = new Array<Buffer>(n);
    s.sendTimes = new Float64Array(n);
    const srtp = s.endpoint.srtp!;
    for (let i = 0; i < n; i++) {
      const plain = nextPlainPacket(s, s.packets);
      s.ring[i] = srtp.encrypt(plain.subarray(HEADER_BYTES), RtpHeader.deSerialize(plain));
    }
    count += n;
  }
  return { ms: performance.now() - started, count };
}

async function run(warmupMs: number, windowMs: number, drainMs: number): Promise<void> {
  const { ms: encryptMs, count: encrypted } = prepare(warmupMs + windowMs);
  received = 0;
  stale = 0;
  maxLatencyUs = 0;
  histogram = new Uint32Array(LATENCY_BUCKETS);
  const start = performance.now() + 20;
  windowOpen = start + warmupMs;
  windowClose = windowOpen + windowMs;
  let opened = false;
  let sentInWindow = 0;
  /** Copies the receivers should get of the window's packets: each forwarded stream's to every other endpoint. */
  let expectedInWindow = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (!opened && now >= windowOpen) {
        opened = true;
        loopDelay.reset();
        send({ kind: 'window-open' });
      }
      const end = Math.min(now, windowClose);
      for (let i = 0; i < streams.length; i++) {
        const s = streams[i]!;
        const due = Math.min(s.ring.length, Math.floor((end - start - s.phaseMs) * s.pps / 1000) + 1);
        const socket = s.endpoint.socket;
        while (s.sent < due) {
          s.sendTimes[s.sent] = now;
          socket.send(s.ring[s.sent]!);
          s.sent++;
          if (now >= windowOpen) {
            sentInWindow++;
            if (s.forwarded) expectedInWindow += config.participants - 1;
          }
        }
      }
      if (now >= windowClose) {
        loopDelay.disable();
        send({ kind: 'window-closed' });
        resolve();
      } else setTimeout(tick, SEND_TICK_MS);
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  // Packets the schedule wanted by the window's end but the generator had not sent.
  let behind = 0;
  for (const s of streams) behind += Math.max(0, Math.min(s.ring.length, Math.floor((windowClose - start - s.phaseMs) * s.pps / 1000) + 1) - s.sent);
  await new Promise((r) => setTimeout(r, drainMs));
  windowOpen = windowClose = Infinity;
  const result: RunResult = {
    kind: 'result', windowMs, sent: sentInWindow, expected: expectedInWindow, received, stale, behind,
    histogram: [...histogram], maxLatencyUs, encryptMs: Math.round(encryptMs), encrypted,
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6, generatorLoopDelayMaxMs: loopDelay.max / 1e6,
  };
  for (const s of streams) s.ring = [];
  send(result);
}

async function handle(m: ToGenerator): Promise<void> {
  switch (m.kind) {
    case 'init':
      config = m.config;
      certificate = createDtlsCertificate(Date.now());
      focus = await connectComponent(config.componentPort, config.focusDomain, config.focusSecret, { host: HOST });
      send({ kind: 'ready' });
      return;
    case 'grow':
      return grow(m.conferences);
    case 'run':
      return run(m.warmupMs, m.windowMs, m.drainMs);
    case 'stop':
      for (const e of endpoints) {
        clearInterval(e.keepalive);
        e.socket.close();
        e.channel?.terminate();
      }
      focus?.close();
      process.exit(0);
  }
}

process.on('message', (m: ToGenerator) => {
  handle(m).catch((error: unknown) => {
    send({ kind: 'failed', reason: error instanceof Error ? error.stack ?? error.message : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));
