// An ffmpeg child that can never outlive the recorder (kit's reaper). It normally ends by itself when
// its RTP inputs go idle (ffmpeg-rtp-input.ts, RTP_IDLE_END_S); SIGTERM and SIGKILL are the fallbacks.
import type { Logger } from '@plenum/kit';
import type { ReapedProcess } from '@plenum/kit/node';
import { spawnReaped } from '@plenum/kit/node';

const STDERR_TAIL_CHARS = 4_000;
/** `-progress` lines (key=value) share stderr with the errors; they stay out of the kept tail. */
const PROGRESS_LINE = /^[a-z_0-9]+=\S*$/;

export type FfmpegOptions = {
  /** Applied to everything ffmpeg prints before it is kept or logged (a stream key must not leak). */
  readonly redact?: (text: string) => string;
  /** Every `-progress pipe:2` line (`key=value`), e.g. to learn that output is flowing. */
  readonly onProgress?: (key: string, value: string) => void;
};

export class FfmpegProcess {
  #stderrTail = '';
  #partial = '';

  private constructor(private readonly child: ReapedProcess, readonly what: string) {}

  /** Starts `ffmpeg args…`; its stderr's tail is kept for the log when it fails. */
  static async start(ffmpegPath: string, args: readonly string[], what: string, log: Logger, opts: FfmpegOptions = {}): Promise<FfmpegProcess> {
    const child = await spawnReaped(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { output: 'pipe' });
    const p = new FfmpegProcess(child, what);
    const redact = opts.redact ?? ((t: string): string => t);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      const lines = (p.#partial + d).split('\n');
      p.#partial = lines.pop() ?? '';
      for (const line of lines) {
        const trimmed = line.trim();
        if (PROGRESS_LINE.test(trimmed)) {
          const eq = trimmed.indexOf('=');
          opts.onProgress?.(trimmed.slice(0, eq), trimmed.slice(eq + 1));
        } else if (trimmed !== '') p.#stderrTail = `${p.#stderrTail}${redact(trimmed)}\n`.slice(-STDERR_TAIL_CHARS);
      }
    });
    void child.exited.then((status) => {
      if (p.#partial.trim() !== '' && !PROGRESS_LINE.test(p.#partial.trim())) p.#stderrTail = `${p.#stderrTail}${redact(p.#partial.trim())}\n`.slice(-STDERR_TAIL_CHARS);
      p.#partial = '';
      if (status !== '0' && status !== '255') log.warn('ffmpeg ended', { what, status, stderr: p.#stderrTail.trim().slice(-500) });
    });
    return p;
  }

  get hasExited(): boolean {
    return this.child.hasExited();
  }

  /** Resolves with the exit status once ffmpeg has ended, for whatever reason. */
  get exited(): Promise<string> {
    return this.child.exited;
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  /**
   * Waits up to `timeoutMs` for ffmpeg to end on its own (its inputs went idle), then SIGTERM and,
   * after another `timeoutMs`, SIGKILL; resolves with the exit status.
   */
  async finish(timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.child.exited, new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    })]);
    clearTimeout(timer);
    if (!this.child.hasExited()) await this.child.stop(timeoutMs);
    return this.child.exited;
  }
}
