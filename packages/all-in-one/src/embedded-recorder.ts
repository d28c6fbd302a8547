// The recorder `npm start` runs when ffmpeg is installed (issue 7: the one-command server can
// record). It is an ordinary recorder component: its domain gets a fresh component secret, the focus
// trusts it as a service (never moderator), and the lobby lets it in. Recordings go to
// `output.directory` (default ./recordings). PLENUM_RECORDER_ENABLED=false, or `recorder: false`
// from an embedding program, leaves it out.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Logger } from '@plenum/kit';
import { freePort } from '@plenum/kit/node';
import type { RunningRecorder } from '@plenum/recorder';
import { loadRecorderConfig, startRecorder } from '@plenum/recorder';

/** What the other components must know about the recorder before it starts. */
export type RecorderPlan = {
  readonly domain: string;
  readonly secret: string;
  readonly breweryJid: string;
  /** Recorder settings from the embedding program (everything but `enabled`). */
  readonly values: Record<string, unknown>;
};

/**
 * Whether to run a recorder: not when switched off, and not without an ffmpeg to run (a recorder
 * that fails every recording is worse than none: the focus then says "no recorder" plainly).
 */
export function planRecorder(opts: {
  readonly env: NodeJS.ProcessEnv;
  readonly settings: Record<string, unknown> | false | undefined;
  readonly domain: string;
  readonly internalMucDomain: string;
}): RecorderPlan | undefined {
  if (opts.settings === false || opts.env['PLENUM_RECORDER_ENABLED'] === 'false') return undefined;
  const { enabled, ...values } = opts.settings ?? {};
  if (enabled === false) return undefined;
  const ffmpeg = loadRecorderConfig({ env: opts.env, values }).ffmpeg.path;
  // The recorder spawns ffmpeg with this process's environment, so that is where to look.
  if (findExecutable(ffmpeg, opts.env['PATH'] ?? process.env['PATH'] ?? '') === undefined) return undefined;
  return {
    domain: `recorder.${opts.domain}`,
    secret: randomBytes(24).toString('hex'),
    breweryJid: `jibribrewery@${opts.internalMucDomain}`,
    values,
  };
}

/** Starts the planned recorder on the XMPP server's component port. */
export function startEmbeddedRecorder(plan: RecorderPlan, deps: {
  readonly env: NodeJS.ProcessEnv;
  readonly componentPort: number;
  /** The focus's log level: one process, one verbosity (the recorder's own setting wins). */
  readonly logLevel: string;
  /** The address the bridge advertises: a loopback one means the recorder's media leg gathers on loopback too. */
  readonly bridgeAddress: string;
  readonly log?: Logger;
}): Promise<RunningRecorder> {
  const fixed = { component: { domain: plan.domain, host: '127.0.0.1', port: deps.componentPort, secret: plan.secret }, breweryJid: plan.breweryJid };
  const values = { log: { level: deps.logLevel }, ...plan.values, ...fixed, component: { ...asObject(plan.values['component']), ...fixed.component } };
  return startRecorder({
    env: deps.env, values,
    // werift leaves loopback out by default, and `npm start`'s bridge advertises 127.0.0.1.
    media: deps.bridgeAddress.startsWith('127.') ? { interfaceAddress: '127.0.0.1' } : {},
    ...(deps.log !== undefined ? { log: deps.log } : {}),
  });
}

/**
 * A loopback port for the recorder's download server when the operator configured none: the web
 * server then serves its links under /recordings/ (recordings-proxy.ts). Undefined when the operator
 * set `download.port` (their own server or 0 = no downloads).
 */
export async function sameOriginDownloadPort(plan: RecorderPlan, env: NodeJS.ProcessEnv): Promise<number | undefined> {
  if (env['PLENUM_RECORDER_DOWNLOAD_PORT'] !== undefined || asObject(plan.values['download'])['port'] !== undefined) return undefined;
  return freePort();
}

/** `name` as an absolute path to an executable file, looked up on `path` unless it has a slash. */
export function findExecutable(name: string, path: string): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter((d) => d !== '' && isAbsolute(d)).map((d) => join(d, name));
  for (const candidate of candidates) {
    // An execute bit, not access(X_OK): as root that succeeds for any file.
    const stat = statSync(candidate, { throwIfNoEntry: false });
    if (stat?.isFile() === true && (stat.mode & 0o111) !== 0) return candidate;
  }
  return undefined;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
