// ffmpeg's RTP input binds the port from the SDP and the next one (RTCP) whatever the SDP says
// about rtcp-mux, so the recorder hands it a pair that was free a moment ago.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';

const bind = (port: number): Promise<Socket | undefined> => new Promise((resolve) => {
  const s = createSocket('udp4');
  s.once('error', () => {
    s.close();
    resolve(undefined);
  });
  s.bind(port, '127.0.0.1', () => resolve(s));
});
const close = (s: Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

/**
 * Ports handed out in the last moments: ffmpeg binds them only after it started, and concurrent
 * allocations (several tracks at once) must not get the same free port twice meanwhile.
 */
const recentlyHanded = new Set<number>();
const HANDED_HOLD_MS = 30_000;

/** `count` distinct even ports P, each with P and P+1 free on loopback (all held until every one is found). */
export async function freePortPairs(count: number): Promise<number[]> {
  const held: Socket[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count && attempt < 50 * count; attempt++) {
      const probe = await bind(0);
      if (probe === undefined) continue;
      const port = probe.address().port;
      await close(probe);
      if (port % 2 !== 0 || port >= 65_534 || recentlyHanded.has(port)) continue;
      const a = await bind(port);
      const b = a === undefined ? undefined : await bind(port + 1);
      if (a !== undefined) held.push(a);
      if (b !== undefined) held.push(b);
      if (a !== undefined && b !== undefined) {
        ports.push(port);
        recentlyHanded.add(port);
        setTimeout(() => recentlyHanded.delete(port), HANDED_HOLD_MS).unref();
      }
    }
  } finally {
    await Promise.all(held.map(close));
  }
  if (ports.length < count) throw new Error('no free loopback UDP port pair');
  return ports;
}

/**
 * True once some process has bound UDP `port` on loopback, read from /proc/net/udp (Linux) so the
 * check never takes the port itself; undefined where that table does not exist.
 */
export async function isLoopbackUdpPortBound(port: number): Promise<boolean | undefined> {
  let table: string;
  try {
    table = await readFile('/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1] === local);
}

/** Waits until ffmpeg has bound every port (it receives from then on), at most `timeoutMs`. */
export async function waitUntilBound(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const bound = await isLoopbackUdpPortBound(port);
      if (bound !== false || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
