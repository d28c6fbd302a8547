// Starts and stops the servers under test: Debian's Prosody with a config written here, and
// Plenum's XMPP server from source. Both listen on free loopback ports chosen per run, never on
// the system service's ports, and every process started here is killed before the bench exits.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnReaped, freePort, answersXmpp, killQuietly } from '@plenum/testkit';

/** The servers this bench knows how to run. */
export type ServerKind = 'plenum' | 'prosody';

/** Server-side settings that depend on the load. */
export type ServerSettings = {
  /** Per-run scratch directory for configs, data and logs. */
  readonly workDir: string;
  /** Largest room the load will create. */
  readonly maxRoomSize: number;
};

/** A server that answered an XMPP stream header on its client port. */
export type RunningServer = {
  readonly kind: ServerKind;
  /** Name and version for the report, e.g. `prosody 0.12.3`. */
  readonly label: string;
  /** The server's own process (CPU is read from /proc/<pid>). */
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly mucDomain: string;
  /** Where the server's warnings and errors go. */
  readonly logFile: string;
  /** Terminates the server and waits until it is gone. Idempotent. */
  stop(): Promise<void>;
};

const HOST = '127.0.0.1';
const DOMAIN = 'plenum.localhost';
const MUC_DOMAIN = 'conference.plenum.localhost';
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Plenum server's composition root. */
export const PLENUM_MAIN = join(REPO_ROOT, 'packages/xmpp/src/server/main.ts');

/** Servers still running, for the synchronous last-resort cleanup on process exit. */
const live = new Set<number>();

/** Kills every server this process started; safe to call from an 'exit' handler. */
export function killServersSync(): void {
  for (const pid of live) killQuietly(pid);
  live.clear();
}

/** Starts one server and waits until it speaks XMPP on its client port. */
export async function startServer(kind: ServerKind, settings: ServerSettings): Promise<RunningServer> {
  const dir = join(settings.workDir, kind);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const launch = kind === 'prosody' ? prosodyLaunch(dir, port) : await plenumLaunch(dir, port, settings);
  const consoleLog = join(dir, 'console.log');
  const out = openSync(consoleLog, 'a');
  const child = await spawnReaped(launch.command, launch.args, { cwd: REPO_ROOT, env: launch.env, output: out });
  closeSync(out);
  const pid = child.pid;
  if (pid !== undefined) live.add(pid);
  const stop = async (): Promise<void> => {
    await child.stop(STOP_TIMEOUT_MS);
    if (pid !== undefined) live.delete(pid);
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.hasExited() || pid === undefined) {
      await stop();
      const logs = [...new Set([launch.logFile, consoleLog])];
      throw new Error(`${kind} exited during startup (status ${await Promise.race([child.exited, Promise.resolve('?')])}); see ${logs.join(' and ')}\n${logs.map((f) => tail(f)).join('')}`);
    }
    if (await answersXmpp(port, DOMAIN, 2000)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} did not answer on ${HOST}:${port} within ${STARTUP_TIMEOUT_MS} ms; see ${launch.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { kind, label: launch.label, pid, host: HOST, port, domain: DOMAIN, mucDomain: MUC_DOMAIN, logFile: launch.logFile, stop };
}

type Launch = { command: string; args: string[]; env: NodeJS.ProcessEnv; label: string; logFile: string };

function prosodyLaunch(dir: string, port: number): Launch {
  const logFile = join(dir, 'prosody.log');
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const lua = JSON.stringify;
  const config = `-- Written by bench/xmpp/servers.ts for one benchmark run; see bench/README.md.
daemonize = false
pidfile = ${lua(join(dir, 'prosody.pid'))}
data_path = ${lua(join(dir, 'data'))}
certificates = ${lua(join(dir, 'certs'))}
log = { warn = ${lua(logFile)} }
${process.getuid?.() === 0 ? '-- The bench runs as root here; Prosody refuses that unless told.\nrun_as_root = true\n' : ''}
interfaces = { "${HOST}" }
c2s_ports = { ${port} }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
modules_enabled = { "disco", "saslauth", "ping", "posix", "limits" }
modules_disabled = { "s2s" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "anonymous"
storage = "memory"
-- Generous, so that the limiter is present (as in a real deployment) but never throttles.
limits = { c2s = { rate = "10mb/s" } }

VirtualHost "${DOMAIN}"
  authentication = "anonymous"

Component "${MUC_DOMAIN}" "muc"
  muc_room_locking = false
  restrict_room_creation = false
  -- Plenum keeps no groupchat history by default either, so both servers do the same work.
  muc_room_default_history_length = 0
`;
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(configFile, config);
  return { command: 'prosody', args: ['-F', '--config', configFile], env: process.env, label: prosodyLabel(), logFile };
}

async function plenumLaunch(dir: string, port: number, settings: ServerSettings): Promise<Launch> {
  if (!existsSync(PLENUM_MAIN)) throw new Error(`${PLENUM_MAIN} does not exist (yet)`);
  const env: NodeJS.ProcessEnv = {};
  // The server rejects unknown PLENUM_XMPP_* keys, so pass none of the caller's.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLENUM_XMPP_')) env[key] = value;
  Object.assign(env, {
    NODE_ENV: 'production',
    PLENUM_XMPP_TCP_HOST: HOST,
    PLENUM_XMPP_TCP_PORT: String(port),
    PLENUM_XMPP_HTTP_HOST: HOST,
    PLENUM_XMPP_HTTP_PORT: String(await freePort()),
    PLENUM_XMPP_COMPONENTS_HOST: HOST,
    PLENUM_XMPP_COMPONENTS_PORT: String(await freePort()),
    PLENUM_XMPP_AUTH_ANONYMOUS: 'true',
    PLENUM_XMPP_AUTH_USERS_FILE: join(dir, 'users.json'),
    PLENUM_XMPP_MUC_RESTRICT_ROOM_CREATION: 'false',
    PLENUM_XMPP_MUC_LOCK_NEW_ROOMS: 'false',
    PLENUM_XMPP_MUC_MAX_OCCUPANTS_PER_ROOM: String(Math.max(500, settings.maxRoomSize)),
    PLENUM_XMPP_LIMITS_STANZAS_PER_SECOND: '0',
    PLENUM_XMPP_LIMITS_BYTES_PER_SECOND: '0',
    PLENUM_XMPP_LIMITS_CONNECTIONS_PER_IP: '100000',
    PLENUM_XMPP_STREAM_MANAGEMENT_ENABLED: 'false',
    PLENUM_XMPP_LOG_LEVEL: 'warn',
  });
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  // Its warnings go to stdout as JSON lines, which the reaper sends to console.log.
  return { command: process.execPath, args: ['--import', tsx, PLENUM_MAIN], env, label: plenumLabel(), logFile: join(dir, 'console.log') };
}

function prosodyLabel(): string {
  const about = spawnSync('prosodyctl', ['about'], { encoding: 'utf8', timeout: 5000 });
  const version = /Prosody (\S+)/.exec(about.stdout ?? '')?.[1];
  return version === undefined ? 'prosody' : `prosody ${version}`;
}

function plenumLabel(): string {
  const git = (...args: string[]): string => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD');
  const isDirty = git('status', '--porcelain', '--', 'packages').length > 0;
  return commit === '' ? 'plenum' : `plenum ${commit}${isDirty ? '+dirty' : ''}`;
}




/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? '' : text.split('\n').slice(-lines).join('\n') + '\n';
}
