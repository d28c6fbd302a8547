// Builds and starts a recorder from its configuration: the XEP-0114 connection and the Recorder.
// Used by main.ts and the tests.
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
  const recorder = new Recorder({ log, clock, channel: connection, config, media: opts.media ?? {} });
  connection.events.on('stanza', (s) => recorder.handleStanza(s));
  connection.events.on('online', () => recorder.online());
  try {
    await connection.start();
  } catch (error) {
    await connection.close();
    throw error;
  }
  log.info('recorder started', { domain: config.component.domain, brewery: config.breweryJid, nick: config.nick });
  let closing: Promise<void> | undefined;
  return {
    recorder, config,
    close() {
      closing ??= (async () => {
        await recorder.close();
        await connection.close();
      })();
      return closing;
    },
  };
}
