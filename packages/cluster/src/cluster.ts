// The split deployment as local processes on loopback (`npm run cluster`): the XMPP server, the
// focus (with its status endpoint), N bridges with distinct ids and ports, the web process,
// redis-server when it is installed, and — as `npm run cluster` asks (cluster-main.ts) — a recorder
// when ffmpeg is installed and a SIP gateway (there on 127.0.0.1:5080, so that it does not clash
// with `npm start`'s 5060). The recorder and the gateway join their breweries like the bridges, and
// count as ready once the focus lists them.
// Every process runs under the kit's reaper (spawnReaped): if this process dies, even by SIGKILL,
// its children go with it. Configuration goes only through PLENUM_* variables, as in docker-compose.
//
// With Redis, two focus instances share the focus state (packages/focus README, "Several focus
// instances"): `focus` becomes the active one, `focus-2` waits as a standby and takes over the
// conferences when the active one dies. Without redis-server, one focus with its state in memory.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKET_PROCESS_NODE_FLAGS, freePort, freeUdpPort, spawnReaped } from '@plenum/kit/node';
import type { ReapedProcess } from '@plenum/kit/node';
import { answersXmpp } from '@plenum/xmpp/component';

const HOST = '127.0.0.1';
const DOMAIN = 'plenum.localhost';
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const RECORDER_DOMAIN = `recorder.${DOMAIN}`;
const SIP_DOMAIN = `sip.${DOMAIN}`;
const RECORDER_NICK = 'recorder-1';
const SIP_NICK = 'sip-gateway-1';

/** What to start. */
export type ClusterOptions = {
  /** Bridge processes (default 3). */
  readonly bridges?: number;
  /** Port of the web server (default 0: any free port). */
  readonly webPort?: number;
  /** Where the process logs go (default a new directory under the system's temp dir). */
  readonly workDir?: string;
  /** Log level of every process (default info). */
  readonly logLevel?: string;
  /** Start redis-server when installed (default true). */
  readonly redis?: boolean;
  /** Start a recorder when ffmpeg is installed (default false; npm run cluster: true). */
  readonly recorder?: boolean;
  /** Start a SIP gateway on this port (UDP and TCP, on 127.0.0.1; 0: a free one); default none (npm run cluster: 5080). */
  readonly sipPort?: number;
};

/** One started process. */
export type ClusterProcess = { readonly name: string; readonly pid: number; readonly logFile: string; hasExited(): boolean };

/** A running cluster. */
export type RunningCluster = {
  /** What people open. */
  readonly url: string;
  /** The focus's status endpoint base (GET /stats, /about/health): what `plenum status --focus` takes. */
  readonly focusUrl: string;
  readonly xmpp: { readonly tcpPort: number; readonly componentPort: number; readonly httpPort: number };
  readonly bridges: readonly { readonly id: string; readonly httpPort: number; readonly udpPort: number }[];
  /**
   * Status endpoint bases of every focus instance (the active one first); a standby's health is
   * 500 and its /stats empty until it has become the active instance.
   */
  readonly focusUrls: readonly string[];
  /** The redis-server port, when one was started. */
  readonly redisPort: number | undefined;
  /** The recorder's brewery nick and recordings directory, when one runs (ffmpeg installed). */
  readonly recorder: { readonly nick: string; readonly directory: string } | undefined;
  /** The SIP gateway's brewery nick and SIP port (UDP and TCP), when one runs. */
  readonly sipGateway: { readonly nick: string; readonly sipPort: number } | undefined;
  readonly processes: readonly ClusterProcess[];
  readonly workDir: string;
  /**
   * Starts one more focus instance (a standby until the active one dies; needs Redis), as
   * `focus-<n>`, and resolves with its process and status endpoint base.
   */
  addFocus(): Promise<ClusterProcess & { readonly url: string }>;
  /** Stops every process (bridges, focus and web first, the XMPP server last); idempotent. */
  stop(): Promise<void>;
};

type Started = ClusterProcess & { stop(): Promise<void> };

/** Starts the cluster and resolves once every part answers its health check. */
export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
  const workDir = opts.workDir ?? join(tmpdir(), `plenum-cluster-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(workDir, { recursive: true });
  const logLevel = opts.logLevel ?? 'info';
  const focusSecret = randomBytes(16).toString('hex');
  const bridgeSecret = randomBytes(16).toString('hex');
  const recorderSecret = randomBytes(16).toString('hex');
  const sipSecret = randomBytes(16).toString('hex');
  const hasRecorder = (opts.recorder ?? false) && isInstalled('ffmpeg');
  const sipPort = opts.sipPort === undefined ? false : opts.sipPort === 0 ? await freeUdpPort() : opts.sipPort;
  // Services: never moderator (focus), let past the lobby (XMPP server), as in npm start.
  const serviceDomains = [...(hasRecorder ? [RECORDER_DOMAIN] : []), ...(sipPort !== false ? [SIP_DOMAIN] : [])];
  const [tcpPort, componentPort, xmppHttpPort, focusHttpPort, standbyHttpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  // Port 0 means any free port; it is chosen here because the bridges advertise the URL.
  const webPort = opts.webPort === undefined || opts.webPort === 0 ? await freePort() : opts.webPort;
  const started: Started[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    // Everything else before the XMPP server, so nobody logs it going away.
    await Promise.all(started.filter((p) => p.name !== 'xmpp').map((p) => p.stop()));
    await Promise.all(started.map((p) => p.stop()));
  })());
  const launch = async (name: string, command: string, args: readonly string[], vars: Record<string, string>): Promise<Started> => {
    const p = await spawnLogged(name, command, args, vars, workDir);
    started.push(p);
    return p;
  };
  const node = (main: string, flags: readonly string[] = []): string[] => [...flags, '--import', fileURLToPath(import.meta.resolve('tsx')), join(REPO_ROOT, main)];
  try {
    let redisPort: number | undefined;
    if ((opts.redis ?? true) && isInstalled('redis-server')) {
      redisPort = await freePort();
      const redis = await launch('redis', 'redis-server', ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no'], {});
      await waitFor(redis, () => answersRedis(redisPort as number));
    }
    const xmpp = await launch('xmpp', process.execPath, node('packages/xmpp/src/server/main.ts'), {
      PLENUM_XMPP_DOMAIN: DOMAIN,
      PLENUM_XMPP_TCP_HOST: HOST, PLENUM_XMPP_TCP_PORT: String(tcpPort),
      PLENUM_XMPP_HTTP_HOST: HOST, PLENUM_XMPP_HTTP_PORT: String(xmppHttpPort),
      PLENUM_XMPP_COMPONENTS_HOST: HOST, PLENUM_XMPP_COMPONENTS_PORT: String(componentPort),
      PLENUM_XMPP_COMPONENTS_SECRETS: [
        `focus.${DOMAIN}=${focusSecret}`, `*.bridge.${DOMAIN}=${bridgeSecret}`,
        ...(hasRecorder ? [`${RECORDER_DOMAIN}=${recorderSecret}`] : []), ...(sipPort !== false ? [`${SIP_DOMAIN}=${sipSecret}`] : []),
      ].join(','),
      PLENUM_XMPP_LOBBY_WHITELIST: serviceDomains.join(','),
      // A standby focus rejoins the rooms of a dead one without anyone seeing the focus leave.
      PLENUM_XMPP_COMPONENTS_HOLD_ROOMS_OF: `focus.${DOMAIN}`,
      PLENUM_XMPP_AUTH_USERS_FILE: join(workDir, 'users.json'),
      PLENUM_XMPP_LOG_LEVEL: logLevel,
    });
    await waitFor(xmpp, () => answersXmpp(tcpPort, DOMAIN, 2000));
    const focusVars = (instance: string, httpPort: number): Record<string, string> => ({
      PLENUM_FOCUS_DOMAIN: DOMAIN,
      PLENUM_FOCUS_COMPONENT_HOST: HOST, PLENUM_FOCUS_COMPONENT_PORT: String(componentPort),
      PLENUM_FOCUS_COMPONENT_SECRET: focusSecret,
      PLENUM_FOCUS_HTTP_ENABLED: 'true', PLENUM_FOCUS_HTTP_HOST: HOST, PLENUM_FOCUS_HTTP_PORT: String(httpPort),
      PLENUM_FOCUS_LOG_LEVEL: logLevel,
      PLENUM_FOCUS_MODERATION_TRUSTED_SERVICE_DOMAINS: serviceDomains.join(','),
      ...(redisPort !== undefined ? { PLENUM_FOCUS_REDIS_URL: `redis://${HOST}:${redisPort}`, PLENUM_FOCUS_INSTANCE_ID: instance } : {}),
    });
    const focus = await launch('focus', process.execPath, node('packages/focus/src/main.ts'), focusVars('focus-1', focusHttpPort));
    const focusUrl = `http://${HOST}:${focusHttpPort}`;
    const focusUrls = [focusUrl];
    let focusCount = 1;
    const addFocus = async (httpPort?: number): Promise<ClusterProcess & { readonly url: string }> => {
      if (redisPort === undefined) throw new Error('a second focus instance needs Redis (redis-server is not installed)');
      const name = `focus-${++focusCount}`;
      const port = httpPort ?? await freePort();
      const p = await launch(name, process.execPath, node('packages/focus/src/main.ts'), focusVars(name, port));
      const url = `http://${HOST}:${port}`;
      // A standby answers its status endpoint (health 500 until it is the active instance).
      await waitFor(p, () => answersHttp(`${url}/about/health`));
      return { name, pid: p.pid, logFile: p.logFile, hasExited: p.hasExited, url };
    };

    const url = `http://localhost:${webPort}`;
    const bridges: { id: string; httpPort: number; udpPort: number; process: Started }[] = [];
    for (let i = 1; i <= (opts.bridges ?? 3); i++) {
      const id = `local-${i}`;
      const httpPort = await freePort();
      let udpPort = await freeUdpPort();
      while (bridges.some((b) => b.udpPort === udpPort)) udpPort = await freeUdpPort();
      const bridge = await launch(`bridge-${id}`, process.execPath, node('packages/bridge/src/main.ts', PACKET_PROCESS_NODE_FLAGS), {
        PLENUM_BRIDGE_ID: id,
        PLENUM_BRIDGE_XMPP_HOST: HOST, PLENUM_BRIDGE_XMPP_PORT: String(componentPort), PLENUM_BRIDGE_XMPP_SECRET: bridgeSecret,
        PLENUM_BRIDGE_HTTP_HOST: HOST, PLENUM_BRIDGE_HTTP_PORT: String(httpPort),
        PLENUM_BRIDGE_PUBLIC_ADDRESS: HOST, PLENUM_BRIDGE_PUBLIC_UDP_PORT: String(udpPort),
        // The bridge channel goes through the web origin, which proxies /colibri-ws/<id>/ here.
        PLENUM_BRIDGE_PUBLIC_WEB_SOCKET_BASE_URL: url.replace(/^http/, 'ws'),
        PLENUM_BRIDGE_LOG_LEVEL: logLevel,
      });
      bridges.push({ id, httpPort, udpPort, process: bridge });
    }
    const web = await launch('web', process.execPath, node('packages/cluster/src/web-main.ts'), {
      PLENUM_WEB_HOST: HOST, PLENUM_WEB_PORT: String(webPort), PLENUM_WEB_LOG_LEVEL: logLevel,
      PLENUM_PROXY_XMPP: `${HOST}:${xmppHttpPort}`,
      PLENUM_PROXY_BRIDGES: bridges.map((b) => `${b.id}=${HOST}:${b.httpPort}`).join(','),
      PLENUM_PROXY_DOMAIN: DOMAIN,
    });
    await waitFor(focus, () => isOk(`${focusUrl}/about/health`));
    for (const b of bridges) await waitFor(b.process, () => isOk(`http://${HOST}:${b.httpPort}/about/health`));
    await waitFor(web, () => isOk(`http://${HOST}:${webPort}/about/health`));
    // The recorder and the gateway are ready once the focus sees them in their breweries.
    let recorder: RunningCluster['recorder'];
    if (hasRecorder) {
      const directory = join(workDir, 'recordings');
      const p = await launch('recorder', process.execPath, node('packages/recorder/src/main.ts'), {
        PLENUM_RECORDER_COMPONENT_PORT: String(componentPort), PLENUM_RECORDER_COMPONENT_SECRET: recorderSecret,
        PLENUM_RECORDER_NICK: RECORDER_NICK, PLENUM_RECORDER_OUTPUT_DIRECTORY: directory, PLENUM_RECORDER_LOG_LEVEL: logLevel,
      });
      await waitFor(p, () => focusLists(focusUrl, 'recorders', RECORDER_NICK));
      recorder = { nick: RECORDER_NICK, directory };
    }
    let sipGateway: RunningCluster['sipGateway'];
    if (sipPort !== false) {
      const p = await launch('sip-gateway', process.execPath, node('packages/sip-gateway/src/main.ts', PACKET_PROCESS_NODE_FLAGS), {
        PLENUM_SIP_COMPONENT_PORT: String(componentPort), PLENUM_SIP_COMPONENT_SECRET: sipSecret,
        PLENUM_SIP_NICK: SIP_NICK, PLENUM_SIP_SIP_HOST: HOST, PLENUM_SIP_SIP_PORT: String(sipPort), PLENUM_SIP_RTP_HOST: HOST,
        // Calls may go on this long when the cluster stops, within the reaper's SIGKILL deadline.
        PLENUM_SIP_DRAIN_TIMEOUT_MS: String(STOP_TIMEOUT_MS - 2_000), PLENUM_SIP_LOG_LEVEL: logLevel,
      });
      await waitFor(p, () => focusLists(focusUrl, 'sipGateways', SIP_NICK));
      sipGateway = { nick: SIP_NICK, sipPort };
    }
    // The standby last, once the first instance is the active one: it only waits, and starting it earlier slows everyone's start on a small machine.
    if (redisPort !== undefined) focusUrls.push((await addFocus(standbyHttpPort)).url);
    return {
      url, focusUrl, focusUrls, redisPort, workDir, recorder, sipGateway,
      xmpp: { tcpPort, componentPort, httpPort: xmppHttpPort },
      bridges: bridges.map(({ id, httpPort, udpPort }) => ({ id, httpPort, udpPort })),
      get processes() {
        return started.map(({ name, pid, logFile, hasExited }) => ({ name, pid, logFile, hasExited }));
      },
      addFocus: () => addFocus(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function spawnLogged(name: string, command: string, args: readonly string[], vars: Record<string, string>, workDir: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = {};
  // Each component rejects unknown PLENUM_<COMPONENT>_* keys: pass none of the caller's.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLENUM_')) env[key] = value;
  Object.assign(env, { NODE_ENV: 'production' }, vars);
  const logFile = join(workDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  let child: ReapedProcess;
  try {
    child = await spawnReaped(command, args, { cwd: REPO_ROOT, env, output: out });
  } finally {
    closeSync(out);
  }
  if (child.pid === undefined) throw new Error(`${name} did not start (see ${logFile})`);
  return { name, pid: child.pid, logFile, hasExited: () => child.hasExited(), stop: () => child.stop(STOP_TIMEOUT_MS) };
}

async function waitFor(p: Started, isReady: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (p.hasExited()) throw new Error(`${p.name} exited during startup:\n${tail(p.logFile)}`);
    if (await isReady()) return;
    if (Date.now() > deadline) throw new Error(`${p.name} was not ready within ${STARTUP_TIMEOUT_MS} ms:\n${tail(p.logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const tail = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '');

async function isOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** True when the focus's GET /stats lists `id` among its `list` (a brewery: sipGateways, recorders). */
async function focusLists(focusUrl: string, list: 'sipGateways' | 'recorders', id: string): Promise<boolean> {
  try {
    const res = await fetch(`${focusUrl}/stats`, { signal: AbortSignal.timeout(2000) });
    const body = await res.json() as Record<string, unknown>;
    const entries = body[list];
    return Array.isArray(entries) && entries.some((e) => (e as { id?: unknown }).id === id);
  } catch {
    return false;
  }
}

async function answersHttp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function isInstalled(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** True when a Redis server answers PING on the port. */
function answersRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString('utf8').startsWith('+PONG')));
  });
}
