// A throwaway Debian Prosody (0.12) for interop tests and benchmarks: loopback only, free ports,
// an anonymous VirtualHost, a MUC component, optionally XEP-0114 components and a second
// (internal) MUC, no s2s, no TLS. Used to check that a test client is right against a standard
// server before it judges ours, and that our components speak standard XMPP.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnReaped, freePort } from '@plenum/kit/node';
import { answersXmpp } from '@plenum/xmpp/component';

/** Options for {@link startProsody}; every field has a default. */
export type ProsodyOptions = {
  /** Anonymous VirtualHost (default `plenum.localhost`, the name Plenum uses). */
  readonly domain?: string;
  /** MUC component (default `conference.<domain>`). */
  readonly muc?: string;
  /** Scratch directory; default a fresh one under the OS temp dir, removed on stop. */
  readonly workDir?: string;
  /** Lua lines appended to the global section, for a test that needs one more option. */
  readonly extraConfig?: string;
  /** How long to wait for the first stream features (default 15000). */
  readonly startupTimeoutMs?: number;
  /** XEP-0114 components to accept (Prosody's `Component "domain"` with `component_secret`). */
  readonly components?: readonly { readonly domain: string; readonly secret: string }[];
  /** A second MUC service, e.g. `internal.<domain>` for bridge breweries. */
  readonly internalMuc?: string;
  /**
   * Rooms of the internal MUC show real JIDs from birth (`muc_room_default_public_jids = true`, as
   * Jitsi's Prosody config sets for its brewery). Default false: Prosody's own default, semi-anonymous.
   */
  readonly internalMucPublicJids?: boolean;
  /** Lowest level Prosody logs (default `debug`; a benchmark keeps it at `warn`, debug logging costs CPU per stanza). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
};

/** A Prosody that answered a stream header on `127.0.0.1:port`. */
export type RunningProsody = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly muc: string;
  /** Prosody's own process id (for CPU readings), when known. */
  readonly pid: number | undefined;
  /** Port for XEP-0114 components (0 when none were asked for). */
  readonly componentPort: number;
  /** Where Prosody logs (debug level unless told), for a failing test to print. */
  readonly logFile: string;
  /** The last lines of the log. */
  logTail(lines?: number): string;
  /** Terminates Prosody, waits until it is gone and removes a temp dir made here. Idempotent. */
  stop(): Promise<void>;
};

const HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 5000;

/** Starts Debian's `prosody` with a config written for this run. */
export async function startProsody(opts: ProsodyOptions = {}): Promise<RunningProsody> {
  const domain = opts.domain ?? 'plenum.localhost';
  const muc = opts.muc ?? `conference.${domain}`;
  const isOwnDir = opts.workDir === undefined;
  const dir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'plenum-prosody-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const port = await freePort();
  const components = opts.components ?? [];
  const componentPort = components.length > 0 ? await freePort() : 0;
  const logFile = join(dir, 'prosody.log');
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(configFile, prosodyConfig({
    dir, port, domain, muc, logFile, extra: opts.extraConfig ?? '', components, componentPort, internalMuc: opts.internalMuc,
    internalMucPublicJids: opts.internalMucPublicJids ?? false, logLevel: opts.logLevel ?? 'debug',
  }));

  // Prosody 0.12 takes the config path as `--config <file>`; -F keeps it in the foreground.
  const child = await spawnReaped('prosody', ['-F', '--config', configFile], { output: 'pipe' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const logTail = (lines = 40): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)'; // Prosody died before opening its log.
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    await child.stop(STOP_TIMEOUT_MS);
    if (isOwnDir) rmSync(dir, { recursive: true, force: true });
  })());

  const deadline = Date.now() + (opts.startupTimeoutMs ?? 15_000);
  for (;;) {
    if (child.hasExited()) {
      const why = `prosody exited during startup\n${stderr}\n${logTail()}`;
      await stop();
      throw new Error(why);
    }
    if (await answersXmpp(port, domain, 1000)) break;
    if (Date.now() > deadline) {
      const why = `prosody did not answer on ${HOST}:${port}\n${stderr}\n${logTail()}`;
      await stop();
      throw new Error(why);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { host: HOST, port, domain, muc, componentPort, pid: child.pid, logFile, logTail, stop };
}

type ConfigInput = {
  dir: string; port: number; domain: string; muc: string; logFile: string; extra: string;
  components: readonly { readonly domain: string; readonly secret: string }[]; componentPort: number; internalMuc: string | undefined;
  internalMucPublicJids: boolean;
  logLevel: string;
};

function prosodyConfig(c: ConfigInput): string {
  const lua = (s: string): string => JSON.stringify(s);
  const components = c.components.map((x) => `\nComponent ${lua(x.domain)}\n  component_secret = ${lua(x.secret)}\n`).join('');
  const publicJids = c.internalMucPublicJids ? '  muc_room_default_public_jids = true\n' : '';
  const internal = c.internalMuc === undefined ? '' : `\nComponent ${lua(c.internalMuc)} "muc"\n  muc_room_locking = false\n  restrict_room_creation = false\n${publicJids}`;
  return `-- Written by packages/testkit/src/prosody.ts for one test run.
daemonize = false
pidfile = ${lua(join(c.dir, 'prosody.pid'))}
data_path = ${lua(join(c.dir, 'data'))}
certificates = ${lua(join(c.dir, 'certs'))}
log = { ${c.logLevel} = ${lua(c.logFile)} }
${process.getuid?.() === 0 ? '-- Tests may run as root here; Prosody refuses that unless told.\nrun_as_root = true\n' : ''}
interfaces = { "${HOST}" }
c2s_ports = { ${c.port} }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
component_ports = { ${c.componentPort > 0 ? c.componentPort : ''} }\ncomponent_interfaces = { "${HOST}" }
http_ports = {}
https_ports = {}
modules_enabled = { "disco", "saslauth", "ping", "posix" }
modules_disabled = { "s2s", "tls" }
c2s_require_encryption = false
authentication = "anonymous"
storage = "memory"
${c.extra}

VirtualHost ${lua(c.domain)}
  authentication = "anonymous"

Component ${lua(c.muc)} "muc"
  -- XEP-0045 §10.1.3: no instant-room dance, a room exists as soon as its first occupant joins.
  muc_room_locking = false
  restrict_room_creation = false
${internal}${components}`;
}
