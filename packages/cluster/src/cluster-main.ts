// `npm run cluster`: starts the split topology (cluster.ts) with a recorder (when ffmpeg is
// installed) and a SIP gateway, prints where everything is, and stops every process on Ctrl-C or
// SIGTERM.
//   --bridges N   bridge processes (default 3)
//   --port P      web port (default 8080)
//   --sip-port P  the SIP gateway's port, UDP and TCP on 127.0.0.1 (default 5080; 0: no gateway)
import { startCluster } from './cluster.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

// SIP on 5080 rather than npm start's 5060, so both can run on one machine.
const sipPort = Number(arg('--sip-port') ?? 5080);
const cluster = await startCluster({
  bridges: Number(arg('--bridges') ?? 3), webPort: Number(arg('--port') ?? 8080),
  recorder: true, ...(sipPort !== 0 ? { sipPort } : {}),
});
process.stdout.write([
  `Plenum cluster is up: open ${cluster.url}`,
  `  xmpp      client tcp ${cluster.xmpp.tcpPort}, components ${cluster.xmpp.componentPort}, websocket ${cluster.xmpp.httpPort}`,
  `  focus     status ${cluster.focusUrl}/stats`,
  ...cluster.focusUrls.slice(1).map((u) => `  focus     standby (status ${u}/stats once it has taken over)`),
  ...cluster.bridges.map((b) => `  bridge    jvb-${b.id}: http ${b.httpPort}, udp ${b.udpPort}`),
  `  recorder  ${cluster.recorder === undefined ? 'ffmpeg not installed: none' : `${cluster.recorder.nick}, recordings in ${cluster.recorder.directory}`}`,
  `  sip       ${cluster.sipGateway === undefined ? 'none' : `${cluster.sipGateway.nick} on 127.0.0.1:${cluster.sipGateway.sipPort} udp+tcp`}`,
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
