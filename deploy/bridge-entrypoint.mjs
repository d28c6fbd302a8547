// Starts one bridge of a scaled `bridge` service (docker-compose --scale bridge=N, host network):
// picks the first free UDP media port in PLENUM_BRIDGE_UDP_PORT_RANGE and the first free HTTP port in
// PLENUM_BRIDGE_HTTP_PORT_RANGE (unless PLENUM_BRIDGE_PUBLIC_UDP_PORT / PLENUM_BRIDGE_HTTP_PORT are
// set), so replicas on one host never share a port and each advertises the port it really has.
// Two replicas racing for one port: the loser fails to bind, exits, and compose restarts it.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const range = (name, fallback) => {
  const m = /^(\d+)-(\d+)$/.exec(process.env[name] ?? fallback);
  if (m === null) throw new Error(`${name} must look like 10000-10099`);
  return [Number(m[1]), Number(m[2])];
};
const udpFree = (port, host) => new Promise((resolve) => {
  const s = createSocket('udp4');
  s.once('error', () => resolve(false));
  s.bind(port, host, () => s.close(() => resolve(true)));
});
const tcpFree = (port, host) => new Promise((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false));
  s.listen(port, host, () => s.close(() => resolve(true)));
});
async function firstFree(name, fallback, isFree, host) {
  const [from, to] = range(name, fallback);
  for (let p = from; p <= to; p++) if (await isFree(p, host)) return p;
  throw new Error(`no free port in ${name}=${from}-${to}`);
}

const env = { ...process.env };
env.PLENUM_BRIDGE_PUBLIC_UDP_PORT ??= String(await firstFree('PLENUM_BRIDGE_UDP_PORT_RANGE', '10000-10099', udpFree, env.PLENUM_BRIDGE_UDP_HOST ?? '0.0.0.0'));
env.PLENUM_BRIDGE_HTTP_PORT ??= String(await firstFree('PLENUM_BRIDGE_HTTP_PORT_RANGE', '8090-8189', tcpFree, env.PLENUM_BRIDGE_HTTP_HOST ?? '127.0.0.1'));
delete env.PLENUM_BRIDGE_UDP_PORT_RANGE;
delete env.PLENUM_BRIDGE_HTTP_PORT_RANGE;
// The young-generation limit Plenum runs bridges with (@plenum/kit/node PACKET_PROCESS_NODE_FLAGS).
const child = spawn(process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', 'packages/bridge/src/main.ts'], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGUSR2']) process.on(signal, () => child.kill(signal));
child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
