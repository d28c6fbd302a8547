// `npm run cluster`: starts the split topology (cluster.ts), prints where everything is, and stops
// every process on Ctrl-C or SIGTERM.
//   --bridges N   bridge processes (default 3)
//   --port P      web port (default 8080)
import { startCluster } from './cluster.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

const cluster = await startCluster({ bridges: Number(arg('--bridges') ?? 3), webPort: Number(arg('--port') ?? 8080) });
process.stdout.write([
  `Plenum cluster is up: open ${cluster.url}`,
  `  xmpp      client tcp ${cluster.xmpp.tcpPort}, components ${cluster.xmpp.componentPort}, websocket ${cluster.xmpp.httpPort}`,
  `  focus     status ${cluster.focusUrl}/stats`,
  ...cluster.focusUrls.slice(1).map((u) => `  focus     standby (status ${u}/stats once it has taken over)`),
  ...cluster.bridges.map((b) => `  bridge    jvb-${b.id}: http ${b.httpPort}, udp ${b.udpPort}`),
  `  redis     ${cluster.redisPort === undefined ? 'not installed: one focus, state in memory' : `port ${cluster.redisPort}`}`,
  `  logs      ${cluster.workDir}`,
  `  status    npm run status -- --focus ${cluster.focusUrl}`,
  'Ctrl-C stops everything.',
  '',
].join('\n'));
let isStopping = false;
const stop = (): void => {
  if (isStopping) return;
  isStopping = true;
  void cluster.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
