// Starts the system under test as separate processes: Plenum's XMPP server (or, with `--xmpp
// prosody`, Debian's Prosody through the testkit's startProsody), the focus and N bridges, each `node --import tsx packages/<pkg>/src/main.ts` under the testkit's reaper (so none
// of them can outlive the bench), configured only through PLENUM_* environment variables. Limits
// that would refuse the bench's load are raised to what the run needs, never below their default;
// `limits` lists every one, for the report (with Prosody: also every Prosody option the run sets).
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersXmpp, freePort, killQuietly, spawnReaped, startProsody } from '@plenum/testkit';
import { PACKET_PROCESS_NODE_FLAGS } from '@plenum/kit/node';
import { NS_DISCO_INFO, el } from '@plenum/xmpp/codec';
import type { Addresses } from './protocol.ts';
import { XmppClient } from './xmpp-client.ts';

const HOST = '127.0.0.1';
const DOMAIN = 'plenum.localhost';
const FOCUS_DOMAIN = `focus.${DOMAIN}`;
const BRIDGE_SUFFIX = `bridge.${DOMAIN}`;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the run needs the stack to accept. */
export type StackNeeds = {
  readonly bridges: number;
  readonly participantsPerConference: number;
  /** Conferences and client connections at once, over the largest round. */
  readonly conferences: number;
  readonly clients: number;
  /** Endpoints one bridge might have to hold: all of them (placement is the focus's choice). */
  readonly endpoints: number;
  readonly workDir: string;
  readonly logLevel: string;
  /** Run the server processes with `node --cpu-prof` (profiles land in the work directory). */
  readonly cpuProf: boolean;
  /** The XMPP server the focus, bridges and participants use. */
  readonly xmpp: XmppServerKind;
};

/** Plenum's own XMPP server, or Debian's Prosody 0.12 in its place (the field's standard server). */
export type XmppServerKind = 'plenum' | 'prosody';

/** One process of the stack. */
export type StackProcess = {
  readonly name: string;
  readonly pid: number;
  /** Its stdout and stderr (pino JSON lines at the chosen level). */
  readonly logFile: string;
  hasExited(): boolean;
  stop(): Promise<void>;
};

/** A limit the bench sets, with the package default for comparison. */
export type LimitSetting = { readonly variable: string; readonly defaultValue: string; readonly value: string; readonly why: string };

/** The running stack. */
export type Stack = {
  readonly addresses: Addresses;
  readonly xmpp: StackProcess;
  readonly focus: StackProcess;
  readonly bridges: readonly (StackProcess & { readonly id: string; readonly httpPort: number })[];
  readonly limits: readonly LimitSetting[];
  /** Every process of the stack, for CPU accounting and cleanup. */
  readonly processes: readonly StackProcess[];
  stop(): Promise<void>;
};

/** Pids still running, for the synchronous last-resort cleanup on process exit. */
const live = new Set<number>();

/** Kills every stack process this bench started; safe to call from an 'exit' handler. */
export function killStackSync(): void {
  for (const pid of live) killQuietly(pid);
  live.clear();
}

/** The package limits the bench raises, each to max(default, what this run needs). */
function limitsFor(n: StackNeeds): LimitSetting[] {
  const at = (variable: string, defaultValue: number, needed: number, why: string): LimitSetting =>
    ({ variable, defaultValue: String(defaultValue), value: String(Math.max(defaultValue, needed)), why });
  return [
    at('PLENUM_XMPP_LIMITS_CONNECTIONS_PER_IP', 200, n.clients + 16, 'every simulated participant connects from 127.0.0.1'),
    at('PLENUM_XMPP_MUC_MAX_ROOMS', 10_000, n.conferences + 16, 'one room per conference'),
    at('PLENUM_XMPP_MUC_MAX_OCCUPANTS_PER_ROOM', 500, n.participantsPerConference + 1, 'participants plus the focus'),
    at('PLENUM_FOCUS_LIMITS_MAX_CONFERENCES', 1000, n.conferences, 'all conferences run at once'),
    at('PLENUM_FOCUS_LIMITS_MAX_PARTICIPANTS_PER_CONFERENCE', 100, n.participantsPerConference, 'participants per conference'),
    at('PLENUM_FOCUS_LIMITS_JOIN_BURST', 20, n.participantsPerConference, 'a conference\'s participants all ask within the same millisecond'),
    at('PLENUM_FOCUS_BRIDGES_MAX_PARTICIPANTS_PER_BRIDGE', 80, n.participantsPerConference, 'a conference lives on one bridge (no cascading)'),
    at('PLENUM_BRIDGE_MAX_ENDPOINTS', 200, n.endpoints, 'any one bridge may get the whole burst; stress = endpoints / this'),
  ];
}

/** The XMPP server's half of the stack: its process and where the components connect. */
type StartedServer = { readonly process: StackProcess; readonly tcpPort: number; readonly componentPort: number; readonly settings: readonly LimitSetting[] };

/** Starts Plenum's XMPP server with the limits this run needs. */
async function startPlenumXmpp(n: StackNeeds, limit: (prefix: string) => Record<string, string>, focusSecret: string, bridgeSecret: string): Promise<StartedServer> {
  const tcpPort = await freePort();
  const componentPort = await freePort();
  const xmpp = await launch('xmpp', n, 'packages/xmpp/src/server/main.ts', {
    PLENUM_XMPP_DOMAIN: DOMAIN,
    PLENUM_XMPP_TCP_HOST: HOST, PLENUM_XMPP_TCP_PORT: String(tcpPort),
    PLENUM_XMPP_HTTP_HOST: HOST, PLENUM_XMPP_HTTP_PORT: String(await freePort()),
    PLENUM_XMPP_COMPONENTS_HOST: HOST, PLENUM_XMPP_COMPONENTS_PORT: String(componentPort),
    PLENUM_XMPP_COMPONENTS_SECRETS: `${FOCUS_DOMAIN}=${focusSecret},*.${BRIDGE_SUFFIX}=${bridgeSecret}`,
    PLENUM_XMPP_AUTH_ANONYMOUS: 'true',
    PLENUM_XMPP_AUTH_USERS_FILE: join(n.workDir, 'users.json'),
    PLENUM_XMPP_LOG_LEVEL: n.logLevel,
    ...limit('PLENUM_XMPP_'),
  });
  return { process: xmpp, tcpPort, componentPort, settings: [] };
}

/** Prosody's log levels; it has no trace. */
const PROSODY_LOG_LEVEL = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/**
 * What Prosody is told beyond startProsody's base config (anonymous VirtualHost, MUC
 * `conference.<domain>` and the internal MUC with `muc_room_locking = false` and
 * `restrict_room_creation = false`, no TLS, memory storage, modules disco/saslauth/ping/posix),
 * each with Prosody's default. Prosody 0.12 loads no c2s rate limit unless mod_limits is enabled,
 * and it is not; and the MUC keeps no history here (no groupchat message is ever sent).
 */
function prosodySettings(n: StackNeeds): LimitSetting[] {
  return [
    { variable: 'muc_room_cache_size', defaultValue: '100', value: String(Math.max(100, n.conferences + 16)),
      why: 'rooms held in memory (Jitsi sets 1000); past it Prosody swaps live rooms to storage' },
    { variable: 'muc_room_default_public_jids (internal MUC)', defaultValue: 'false', value: 'true',
      why: 'the brewery shows real JIDs from birth, as Jitsi configures its internal MUC' },
    { variable: 'log', defaultValue: 'debug (startProsody)', value: PROSODY_LOG_LEVEL[n.logLevel as keyof typeof PROSODY_LOG_LEVEL],
      why: 'the bench\'s --log-level, as for the other processes' },
  ];
}

/** Starts Debian's Prosody with the focus and the bridges as XEP-0114 components. */
async function startProsodyXmpp(n: StackNeeds, focusSecret: string, bridgeSecret: string): Promise<StartedServer> {
  const settings = prosodySettings(n);
  const cacheSize = settings[0]?.value ?? '100';
  const bridgeDomains = Array.from({ length: n.bridges }, (_, i) => `jvb-${bridgeId(i + 1)}.${BRIDGE_SUFFIX}`);
  const prosody = await startProsody({
    domain: DOMAIN,
    workDir: join(n.workDir, 'prosody'),
    components: [{ domain: FOCUS_DOMAIN, secret: focusSecret }, ...bridgeDomains.map((domain) => ({ domain, secret: bridgeSecret }))],
    internalMuc: `internal.${DOMAIN}`,
    internalMucPublicJids: true,
    logLevel: PROSODY_LOG_LEVEL[n.logLevel as keyof typeof PROSODY_LOG_LEVEL],
    extraConfig: `muc_room_cache_size = ${cacheSize}`,
    startupTimeoutMs: STARTUP_TIMEOUT_MS,
  });
  const pid = prosody.pid;
  if (pid === undefined) {
    await prosody.stop();
    throw new Error('prosody started without a process id: its CPU could not be read');
  }
  live.add(pid);
  const proc: StackProcess = {
    name: 'xmpp', pid, logFile: prosody.logFile,
    hasExited: () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    stop: async () => {
      await prosody.stop();
      live.delete(pid);
    },
  };
  return { process: proc, tcpPort: prosody.port, componentPort: prosody.componentPort, settings };
}

/** Bridge i's id (1-based): its component domain is `jvb-<id>.<suffix>`. */
const bridgeId = (i: number): string => `bench-${i}`;

/** Starts server, focus and bridges, and waits until each is ready. */
export async function startStack(n: StackNeeds): Promise<Stack> {
  const limits = limitsFor(n);
  const limit = (prefix: string): Record<string, string> =>
    Object.fromEntries(limits.filter((l) => l.variable.startsWith(prefix)).map((l) => [l.variable, l.value]));
  const focusSecret = randomBytes(16).toString('hex');
  const bridgeSecret = randomBytes(16).toString('hex');
  const started: StackProcess[] = [];
  const stopAll = async (): Promise<void> => {
    // Bridges and focus first, so they do not log the server going away.
    await Promise.all(started.filter((p) => p.name !== 'xmpp').map((p) => p.stop()));
    await Promise.all(started.map((p) => p.stop()));
  };
  try {
    const server = n.xmpp === 'prosody'
      ? await startProsodyXmpp(n, focusSecret, bridgeSecret)
      : await startPlenumXmpp(n, limit, focusSecret, bridgeSecret);
    const { tcpPort, componentPort } = server;
    const xmpp = server.process;
    started.push(xmpp);
    // Prosody's own settings are listed with the limits; the Plenum server's limits do not apply to it.
    if (n.xmpp === 'prosody') limits.splice(0, limits.length, ...limits.filter((l) => !l.variable.startsWith('PLENUM_XMPP_')), ...server.settings);
    await waitFor(`xmpp (see ${xmpp.logFile})`, xmpp, () => answersXmpp(tcpPort, DOMAIN, 2000));
    const focus = await launch('focus', n, 'packages/focus/src/main.ts', {
      PLENUM_FOCUS_DOMAIN: DOMAIN,
      PLENUM_FOCUS_COMPONENT_HOST: HOST, PLENUM_FOCUS_COMPONENT_PORT: String(componentPort),
      PLENUM_FOCUS_COMPONENT_SECRET: focusSecret,
      PLENUM_FOCUS_LOG_LEVEL: n.logLevel,
      ...limit('PLENUM_FOCUS_'),
    });
    started.push(focus);
    const bridges = [];
    for (let i = 1; i <= n.bridges; i++) {
      const id = bridgeId(i);
      const httpPort = await freePort();
      // With the media plane the bridge binds its ICE port, so each bridge needs its own.
      const udpPort = await freeUdpPort();
      const bridge = await launch(`bridge ${id}`, n, 'packages/bridge/src/main.ts', {
        PLENUM_BRIDGE_ID: id,
        PLENUM_BRIDGE_XMPP_HOST: HOST, PLENUM_BRIDGE_XMPP_PORT: String(componentPort),
        PLENUM_BRIDGE_XMPP_SECRET: bridgeSecret,
        PLENUM_BRIDGE_HTTP_HOST: HOST, PLENUM_BRIDGE_HTTP_PORT: String(httpPort),
        PLENUM_BRIDGE_PUBLIC_ADDRESS: HOST, PLENUM_BRIDGE_PUBLIC_UDP_PORT: String(udpPort),
        PLENUM_BRIDGE_LOG_LEVEL: n.logLevel,
        ...limit('PLENUM_BRIDGE_'),
      }, PACKET_PROCESS_NODE_FLAGS); // as deployed bridges run
      started.push(bridge);
      bridges.push({ ...bridge, id, httpPort });
    }
    const addresses: Addresses = { host: HOST, port: tcpPort, domain: DOMAIN, mucDomain: `conference.${DOMAIN}`, focusDomain: FOCUS_DOMAIN };
    await waitFor(`focus (see ${focus.logFile})`, focus, () => answersPing(addresses, FOCUS_DOMAIN));
    for (const b of bridges) await waitFor(`bridge ${b.id} (see ${b.logFile})`, b, () => isBridgeHealthy(b.httpPort));
    return { addresses, xmpp, focus, bridges, limits, processes: [...started], stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A UDP port that was free a moment ago on the loopback interface. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, HOST, resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A bridge's `GET /colibri/stats` (JVB's flat JSON). */
export async function bridgeStats(httpPort: number): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${HOST}:${httpPort}/colibri/stats`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as Record<string, unknown>;
}

/** What a process logged (warnings and errors at the default level), counted by message. */
export function logMessages(p: StackProcess): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(p.logFile)) return out;
  for (const line of readFileSync(p.logFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    // Prosody's lines start with a timestamp: without it, equal messages count together.
    let msg = line.replace(/^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} /, '').replaceAll('\t', ' ').slice(0, 120);
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; err?: unknown };
      if (typeof parsed.msg === 'string') msg = typeof parsed.err === 'string' ? `${parsed.msg}: ${parsed.err.slice(0, 80)}` : parsed.msg;
    } catch {
      // Not a pino line (a stack trace, a Node warning): counted as it is.
    }
    out[msg] = (out[msg] ?? 0) + 1;
  }
  return out;
}

/** The last lines of a process's log, for error messages. */
export function logTail(p: StackProcess, lines = 15): string {
  if (!existsSync(p.logFile)) return '';
  return readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function launch(name: string, n: StackNeeds, main: string, vars: Record<string, string>, nodeFlags: readonly string[] = []): Promise<StackProcess> {
  const env: NodeJS.ProcessEnv = {};
  // Each component rejects unknown PLENUM_<COMPONENT>_* keys, so pass none of the caller's.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLENUM_')) env[key] = value;
  Object.assign(env, { NODE_ENV: 'production' }, vars);
  const file = name.replace(/\s+/g, '-');
  mkdirSync(n.workDir, { recursive: true });
  const logFile = join(n.workDir, `${file}.log`);
  const out = openSync(logFile, 'a');
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  // One directory per process: the tsx loader's worker thread writes a profile of its own.
  const prof = n.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(n.workDir, 'profiles', file)] : [];
  const child = await spawnReaped(process.execPath, [...nodeFlags, ...prof, '--import', tsx, join(REPO_ROOT, main)], { cwd: REPO_ROOT, env, output: out });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const pid = child.pid;
  live.add(pid);
  return {
    name, pid, logFile,
    hasExited: () => child.hasExited(),
    stop: async () => {
      await child.stop(STOP_TIMEOUT_MS);
      live.delete(pid);
    },
  };
}

async function waitFor(what: string, p: StackProcess, isReady: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (p.hasExited()) throw new Error(`${what} exited during startup:\n${logTail(p)}`);
    if (await isReady()) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${STARTUP_TIMEOUT_MS} ms:\n${logTail(p)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True once a guest's XEP-0199 ping to `to` gets a result (the focus component is connected). */
async function answersPing(a: Addresses, to: string): Promise<boolean> {
  const client = new XmppClient(a.host, a.port, a.domain);
  try {
    await client.login(5000);
    const reply = await Promise.race([
      client.request(el('iq', { type: 'get', to }, el('ping', { xmlns: 'urn:xmpp:ping' }))),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000).unref()),
    ]);
    return reply?.attrs.type === 'result';
  } catch {
    return false;
  } finally {
    await client.close(500);
  }
}

/** A guest connection for questions the bench itself asks the server. */
export class Probe {
  private constructor(private readonly client: XmppClient) {}

  static async connect(a: Addresses): Promise<Probe> {
    const client = new XmppClient(a.host, a.port, a.domain);
    await client.login(10_000);
    return new Probe(client);
  }

  /** How many of these rooms still exist (XEP-0045 §6.4 disco#info answers; item-not-found once destroyed). */
  async existingRooms(rooms: readonly string[]): Promise<number> {
    const replies = await Promise.all(rooms.map((to) => this.client.request(el('iq', { type: 'get', to }, el('query', { xmlns: NS_DISCO_INFO })))));
    return replies.filter((r) => r.attrs.type === 'result').length;
  }

  close(): Promise<void> {
    return this.client.close(500);
  }
}

/** GET /about/health: 200 once the bridge is connected and in the brewery. */
async function isBridgeHealthy(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${HOST}:${httpPort}/about/health`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
