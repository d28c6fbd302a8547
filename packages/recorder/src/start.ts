// Builds and starts a recorder from its configuration: the XEP-0114 connection, the Recorder, the
// retention sweep and (when download.port is set) the download server. Used by main.ts and the tests.
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import { silentLogger, systemClock } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import { createPinoLogger } from '@plenum/kit/node';
import { ComponentConnection } from '@plenum/xmpp/component';
import type { RecorderConfig } from './config.ts';
import { loadRecorderConfig } from './config.ts';
import type { MediaLegOptions } from './session/media-leg.ts';
import { Recorder } from './recorder.ts';
import type { RecordingLinks } from './recorder.ts';
import { DownloadServer } from './http/download-server.ts';
import { DownloadTokens } from './storage/download-tokens.ts';
import { RetentionSweeper } from './storage/retention.ts';

export type StartRecorderOptions = ConfigSources & {
  readonly config?: RecorderConfig;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** ICE options of the media leg (tests: `{ interfaceAddress: '127.0.0.1' }`). */
  readonly media?: MediaLegOptions;
};

export type RunningRecorder = {
  readonly recorder: Recorder;
  readonly config: RecorderConfig;
  /** The download server's public base URL, when it runs. */
  readonly downloadBaseUrl: string | undefined;
  /** Deletes the recordings past retention now (it also runs every retention.sweepIntervalMs). */
  sweep(): Promise<string[]>;
  /** Finishes a running recording, leaves the brewery, closes the connection; idempotent. */
  close(): Promise<void>;
};

export async function startRecorder(opts: StartRecorderOptions = {}): Promise<RunningRecorder> {
  const config = opts.config ?? loadRecorderConfig(opts);
  if (config.component.secret === '') throw new Error('component.secret (PLENUM_RECORDER_COMPONENT_SECRET) is required');
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'recorder' }));
  const clock = opts.clock ?? systemClock;
  const connection = new ComponentConnection({
    log: log.child({ part: 'xmpp' }), clock, ids: { next: () => randomUUID() },
    options: {
      host: config.component.host, port: config.component.port, domain: config.component.domain,
      secret: config.component.secret, reconnectMaxDelayMs: config.component.reconnectMaxDelayMs,
    },
  });
  const tokens = new DownloadTokens();
  const downloads = config.download.port === 0 ? undefined : new DownloadServer({
    host: config.download.host, port: config.download.port, publicBaseUrl: config.download.publicBaseUrl, maxConnections: config.download.maxConnections,
    tokens, log: log.child({ part: 'download' }),
  });
  const links: RecordingLinks | undefined = downloads === undefined ? undefined : { publish: async (dir) => downloads.linkFor(await tokens.issue(dir)) };
  const retention = new RetentionSweeper({
    root: config.output.directory, days: config.retention.days, sweepIntervalMs: config.retention.sweepIntervalMs, clock, log: log.child({ part: 'retention' }),
    onDeleted: (dir) => tokens.forget(dir),
  });
  const recorder = new Recorder({ log, clock, channel: connection, config, media: opts.media ?? {}, ...(links !== undefined ? { links } : {}) });
  connection.events.on('stanza', (s) => recorder.handleStanza(s));
  connection.events.on('online', () => recorder.online());
  try {
    if (downloads !== undefined) {
      await tokens.load(config.output.directory);
      await downloads.start();
    }
    await connection.start();
  } catch (error) {
    await downloads?.close();
    await connection.close();
    throw error;
  }
  retention.start();
  log.info('recorder started', { domain: config.component.domain, brewery: config.breweryJid, nick: config.nick });
  let closing: Promise<void> | undefined;
  return {
    recorder, config,
    downloadBaseUrl: downloads?.linkFor('').replace(/\/recordings\/\/$/, ''),
    sweep: () => retention.sweep(),
    close() {
      closing ??= (async () => {
        await retention.stop();
        await recorder.close();
        await connection.close();
        await downloads?.close();
      })();
      return closing;
    },
  };
}
