import { pino } from 'pino';
import type { Logger, LogFields } from '../logger.ts';

/** Options for the process-wide structured logger. */
export type PinoLoggerOptions = {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly component: string;
  /** Destination file descriptor; 1 (stdout) unless a test captures logs. */
  readonly destination?: NodeJS.WritableStream;
};

/** Adapts pino to the kit Logger interface (fields first, message second in pino's call shape). */
export function createPinoLogger(opts: PinoLoggerOptions): Logger {
  const base = pino(
    {
      level: opts.level,
      base: { component: opts.component },
      // Secrets never reach a log line even if a caller passes them by mistake.
      redact: { paths: ['password', 'token', 'pwd', '*.password', '*.token', '*.pwd'], censor: '[redacted]' },
    },
    opts.destination ?? pino.destination(1),
  );
  return wrap(base);
}

function wrap(p: pino.Logger): Logger {
  const at = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: LogFields) => {
    if (fields === undefined) p[level](msg);
    else p[level](fields as object, msg);
  };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(fields as pino.Bindings)),
  };
}
