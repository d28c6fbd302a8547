// The floor under the bridge's cost per forwarded packet, in Node and natively, on this machine.
// Every packet the bridge forwards is encrypted once for its receiver (AEAD_AES_128_GCM) and sent
// with one system call, and every packet it receives is decrypted once for all its receivers
// (fan-out F, 4 in bench:bridge's 5-endpoint conferences). This measures those three steps alone:
//   - in Node, as the bridge does them: @plenum/srtp's GCM encryptor and decryptor (node:crypto,
//     one cipher object per packet: Node cannot re-key an AEAD context) and a dgram send per packet;
//   - natively (packet-floor.c, compiled here with cc and OpenSSL, skipped when either is missing):
//     one reused EVP context per direction, and sendmsg per packet or sendmmsg per tick.
// Sends go to 40 UDP sockets in a receiver process, paced in 1 ms ticks at --rate packets/s, as the
// bridge's do in bench:bridge; on loopback the sender's system call also runs the receiving side
// of the network stack and wakes the receiver, which a NIC would not charge it.
//
//   node --import tsx packages/bridge/bench/packet-floor.bench.ts [--packets 200000] [--rate 32000] [--payload 1100] [--fanout 4]
//
// Not a test: it prints numbers for docs/benchmarks.md ("Bridge forwarding").
import { execFileSync, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { GcmRtpDecryptor, GcmRtpEncryptor } from '@plenum/srtp';

const HEADER = 24;
const RECEIVER_SOCKETS = 40;

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const packets = arg('packets', 200_000);
  const rate = arg('rate', 32_000);
  const payload = arg('payload', 1100);
  const fanout = arg('fanout', 4);
  const receiver = fork(fileURLToPath(import.meta.url), ['receiver'], { execArgv: process.execArgv });
  const ports = await new Promise<number[]>((r) => receiver.once('message', (m: { ports: number[] }) => r(m.ports)));
  try {
    const node = { protect: nodeProtect(packets, payload), unprotect: nodeUnprotect(packets, payload), send: await nodeSend(packets, payload, rate, ports) };
    const c = nativeFloor(packets, payload, rate, ports);
    const floor = (p: number, u: number, s: number): number => p + u / fanout + s;
    const rows: [string, string, string][] = [
      ['GCM encrypt (per egress packet)', us(node.protect), c === undefined ? '–' : us(c.protect)],
      [`GCM decrypt (per ingress packet; ÷ ${fanout} per egress)`, us(node.unprotect), c === undefined ? '–' : us(c.unprotect)],
      ['UDP send, one sendmsg per packet', us(node.send), c === undefined ? '–' : us(c.send)],
      ['UDP send, sendmmsg per 1 ms tick', 'not in Node', c === undefined ? '–' : us(c.sendmmsg)],
    ];
    const nodeFloor = floor(node.protect, node.unprotect, node.send);
    const cFloor = c === undefined ? undefined : floor(c.protect, c.unprotect, c.sendmmsg);
    rows.push(['floor per egress packet (encrypt + decrypt ÷ F + send)', us(nodeFloor), cFloor === undefined ? '–' : us(cFloor)]);
    rows.push(['= at most egress packets per CPU-second', Math.round(1e6 / nodeFloor).toLocaleString('en'), cFloor === undefined ? '–' : Math.round(1e6 / cFloor).toLocaleString('en')]);
    console.log(`packet floor — ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${payload}-byte payloads, ${packets} packets, sends paced at ${rate}/s to ${RECEIVER_SOCKETS} sockets`);
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`${''.padEnd(w)}  ${'Node (bridge)'.padStart(14)}  ${'native'.padStart(10)}`);
    for (const [name, n, nat] of rows) console.log(`${name.padEnd(w)}  ${n.padStart(14)}  ${nat.padStart(10)}`);
    if (c === undefined) console.log('(native column skipped: no cc or no OpenSSL headers)');
  } finally {
    receiver.kill();
  }
}

const us = (v: number): string => `${v.toFixed(2)} µs`;

/** Process CPU µs per call of `f` over `n` calls, after a warm-up. */
function cpuPer(n: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 20_000); i++) f(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

function rtpPacket(payload: number): Buffer {
  const p = randomBytes(HEADER + payload);
  p[0] = 0x90; // V=2, X=1: a 12-byte header and a 12-byte extension block, as forwarded video has
  p[1] = 100;
  p.writeUInt16BE(0xbede, 12);
  p.writeUInt16BE(2, 14);
  return p;
}

function nodeProtect(n: number, payload: number): number {
  const enc = new GcmRtpEncryptor(randomBytes(16), randomBytes(12));
  const p = rtpPacket(payload);
  return cpuPer(n, (i) => void enc.encrypt(p, HEADER, p.length, 0x1234, i & 0xffff, i >>> 16));
}

function nodeUnprotect(n: number, payload: number): number {
  const key = randomBytes(16);
  const salt = randomBytes(12);
  const enc = new GcmRtpEncryptor(key, salt);
  const dec = new GcmRtpDecryptor(key, salt);
  const p = rtpPacket(payload);
  const ring = Array.from({ length: 4096 }, (_, i) => enc.encrypt(p, HEADER, p.length, 0x1234, i, 0));
  return cpuPer(n, (i) => {
    if (dec.decrypt(ring[i & 4095]!, HEADER, 0x1234, i & 4095, 0) === undefined) throw new Error('decryption failed');
  });
}

/** dgram sends as the bridge makes them: one unconnected socket, IP literal answered at once, a completion callback. */
async function nodeSend(n: number, payload: number, rate: number, ports: readonly number[]): Promise<number> {
  const socket: Socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20, lookup: (host, _o, cb) => cb(null, host, 4) });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const p = rtpPacket(payload + 16);
  let errors = 0;
  const afterSend = (e: Error | null): void => void (e !== null && errors++);
  let k = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((done) => {
    let sent = 0;
    const tick = (): void => {
      const due = Math.min(n, Math.floor((performance.now() - t0) * rate / 1000) + 1);
      while (sent < due) {
        socket.send(p, ports[k++ % ports.length]!, '127.0.0.1', afterSend);
        sent++;
      }
      if (sent < n) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  const c = process.cpuUsage(c0);
  socket.close();
  if (errors > 0) console.log(`(${errors} send errors)`);
  return (c.user + c.system) / n;
}

function nativeFloor(n: number, payload: number, rate: number, ports: readonly number[]): { protect: number; unprotect: number; send: number; sendmmsg: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'packet-floor-'));
  try {
    const exe = join(dir, 'packet-floor');
    try {
      execFileSync('cc', ['-O2', '-o', exe, fileURLToPath(new URL('./packet-floor.c', import.meta.url)), '-lcrypto'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      return undefined;
    }
    const run = (...args: (string | number)[]): number => Number(execFileSync(exe, args.map(String), { encoding: 'utf8' }).trim());
    return {
      protect: run('protect', n, payload),
      unprotect: run('unprotect', n, payload),
      send: run('send', n, payload, rate, ...ports),
      sendmmsg: run('sendmmsg', n, payload, rate, ...ports),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'receiver') {
  // Drains like bench:bridge's sinks do, and nothing else.
  const ports: number[] = [];
  let received = 0; // read by nobody: the handler must touch something, as a sink's does
  for (let i = 0; i < RECEIVER_SOCKETS; i++) {
    const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    s.on('message', () => void received++);
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    ports.push(s.address().port);
  }
  process.send?.({ ports });
} else {
  await main();
}
