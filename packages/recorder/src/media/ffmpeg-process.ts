// An ffmpeg child that can never outlive the recorder (kit's reaper). It normally ends by itself when
// its RTP inputs go idle (track-writer.ts, RTP_IDLE_END_S); SIGTERM and SIGKILL are the fallbacks.
import type { Logger } from '@plenum/kit';
import type { ReapedProcess } from '@plenum/kit/node';
import { spawnReaped } from '@plenum/kit/node';

const STDERR_TAIL_CHARS = 4_000;

export class FfmpegProcess {
  #stderrTail = '';

  private constructor(private readonly child: ReapedProcess, readonly what: string) {}

  /** Starts `ffmpeg args…`; its stderr's tail is kept for the log when it fails. */
  static async start(ffmpegPath: string, args: readonly string[], what: string, log: Logger): Promise<FfmpegProcess> {
    const child = await spawnReaped(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { output: 'pipe' });
    const p = new FfmpegProcess(child, what);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      p.#stderrTail = (p.#stderrTail + d).slice(-STDERR_TAIL_CHARS);
    });
    void child.exited.then((status) => {
      if (status !== '0' && status !== '255') log.warn('ffmpeg ended', { what, status, stderr: p.#stderrTail.trim().slice(-500) });
    });
    return p;
  }

  get hasExited(): boolean {
    return this.child.hasExited();
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
