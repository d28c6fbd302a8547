// CPU cost of one DTLS handshake (RFC 6347, DTLS-SRTP) between a werift-dtls client and the
// bridge's DtlsEndpoint, in one process over an in-memory pipe, for X25519 and P-256: first with
// werift-dtls's own pure-JavaScript curve code, then with dtls-native-curves.ts installed.
// Every datagram is delivered in its own macrotask, and the process CPU (process.cpuUsage, user +
// system) from one delivery to the next is charged to the side that received it, so server and
// client are measured apart. Construction of the endpoint / client is charged to its side.
//
//   node --import tsx packages/bridge/bench/dtls-handshake.bench.ts [--handshakes 100] [--warmup 10]
//   node --cpu-prof --import tsx packages/bridge/bench/dtls-handshake.bench.ts --pure-only
//
// Not a test: it prints numbers for docs/benchmarks.md. Profiled (--cpu-prof) with werift's code,
// @noble/curves and tweetnacl took ~45 % of the handshakes' CPU and the PEM key import in each
// ECDSA signature ~8 %; with dtls-native-curves.ts no single function stands out: werift's record
// and handshake code, the certificate parse and checks, GC.
import { cpus } from 'node:os';
import { silentLogger, systemClock } from '@plenum/kit';
import { ProtectionProfileAeadAes128Gcm } from 'werift-rtp';
import { createDtlsCertificate } from '../src/transport/dtls-certificate.ts';
import { DtlsEndpoint } from '../src/transport/dtls-endpoint.ts';
import { installNativeDtlsCurves, NAMED_CURVE_SECP256R1, NAMED_CURVE_X25519 } from '../src/transport/dtls-native-curves.ts';
import { newTransportCounters } from '../src/transport/transport-counters.ts';
import { DtlsClient, HashAlgorithm, SignatureAlgorithm } from '../src/transport/werift-dtls.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HANDSHAKES = arg('handshakes', 100);
const WARMUP = arg('warmup', 10);
const PURE_ONLY = process.argv.includes('--pure-only');
const NATIVE_ONLY = process.argv.includes('--native-only');

const bridgeCert = createDtlsCertificate(Date.now());
const peerCert = createDtlsCertificate(Date.now());
const ELLIPTIC_CURVES_EXTENSION = 10; // RFC 8422 §5.1.1 supported_groups

type Side = 'server' | 'client';
const cpuMicros = { server: 0, client: 0 };
let owner: Side = 'server';
let mark = 0;
const now = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** Charges the CPU since the last switch to the side that was running, then runs `side`. */
function switchTo(side: Side): void {
  const t = now();
  cpuMicros[owner] += t - mark;
  mark = t;
  owner = side;
}

/** One handshake; the client offers only `curve` (werift's client offers X25519 then P-256). */
async function handshake(curve: number): Promise<void> {
  switchTo('server');
  let resolveServer: () => void = () => undefined;
  let rejectServer: (e: Error) => void = () => undefined;
  const serverDone = new Promise<void>((resolve, reject) => ((resolveServer = resolve), (rejectServer = reject)));
  const clientTransport: ConstructorParameters<typeof DtlsClient>[0]['transport'] = {
    type: 'udp', address: { address: '127.0.0.1', family: 'IPv4', port: 1 }, closed: false,
    onData: (): void => undefined,
    send: (datagram: Buffer) => {
      setImmediate(() => {
        switchTo('server');
        endpoint.handle(datagram);
      });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const endpoint = new DtlsEndpoint({
    certificate: bridgeCert, counters: newTransportCounters(), log: silentLogger, clock: systemClock,
    send: (datagram) => setImmediate(() => {
      switchTo('client');
      clientTransport.onData(datagram, ['127.0.0.1', 0]);
    }),
    onConnected: () => resolveServer(),
    onFailed: (reason) => rejectServer(new Error(`server: ${reason}`)),
    onApplicationData: () => undefined,
  });
  endpoint.setRemoteFingerprints([{ hash: 'sha-256', value: peerCert.fingerprint }]);
  switchTo('client');
  const client = new DtlsClient({
    transport: clientTransport, cert: peerCert.certificatePem, key: peerCert.privateKeyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: [ProtectionProfileAeadAes128Gcm], extendedMasterSecret: true,
  });
  const curves = client.extensions.find((e) => e.type === ELLIPTIC_CURVES_EXTENSION);
  if (curves === undefined) throw new Error('werift client offers no elliptic_curves extension');
  curves.data = Buffer.from([0, 2, curve >> 8, curve & 0xff]);
  const clientDone = new Promise<void>((resolve) => client.onConnect.once(() => resolve()));
  void client.connect();
  await Promise.all([serverDone, clientDone]);
  switchTo(owner);
  if (client.cipher.localKeyPair?.curve !== curve) throw new Error(`negotiated curve ${client.cipher.localKeyPair?.curve}, wanted ${curve}`);
  endpoint.close();
  client.close();
}

type Row = { implementation: string; curve: string; serverMicros: number; clientMicros: number; wallMs: number };

async function measure(implementation: string, curve: number, curveName: string): Promise<Row> {
  for (let i = 0; i < WARMUP; i++) await handshake(curve);
  cpuMicros.server = 0;
  cpuMicros.client = 0;
  mark = now();
  const t0 = performance.now();
  for (let i = 0; i < HANDSHAKES; i++) await handshake(curve);
  const wallMs = performance.now() - t0;
  return { implementation, curve: curveName, serverMicros: cpuMicros.server / HANDSHAKES, clientMicros: cpuMicros.client / HANDSHAKES, wallMs: wallMs / HANDSHAKES };
}

const rows: Row[] = [];
const curves = [[NAMED_CURVE_X25519, 'X25519'], [NAMED_CURVE_SECP256R1, 'P-256']] as const;
if (!NATIVE_ONLY) for (const [curve, name] of curves) rows.push(await measure('werift-dtls (pure JS)', curve, name));
if (!PURE_ONLY) {
  installNativeDtlsCurves();
  for (const [curve, name] of curves) rows.push(await measure('node:crypto (dtls-native-curves)', curve, name));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`dtls-handshake.bench: Node ${process.version}, ${cpu}, ${HANDSHAKES} handshakes per row after ${WARMUP} warm-up, ECDSA P-256 certificates, extended master secret, client certificate checked`);
console.log('| curve implementation | curve | server CPU µs/handshake | client CPU µs/handshake | wall ms/handshake |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.implementation} | ${r.curve} | ${r.serverMicros.toFixed(0)} | ${r.clientMicros.toFixed(0)} | ${r.wallMs.toFixed(2)} |`);
