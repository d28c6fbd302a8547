// The unguessable part of a download link: 256 random bits per recording, kept in the recording's
// own directory (`.download-token`, owner-only) so it survives restarts and goes when retention
// deletes the recording. The in-memory index maps tokens to directories.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listRecordingDirs } from './recording-dirs.ts';

export const TOKEN_FILE = '.download-token';
const TOKEN_BYTES = 32;
/** base64url of 32 bytes: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class DownloadTokens {
  readonly #dirs = new Map<string, string>();

  /** Gives the recording in `dir` a token (a new one, replacing any earlier) and returns it. */
  async issue(dir: string): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await writeFile(join(dir, TOKEN_FILE), `${token}\n`, { mode: 0o600 });
    this.forget(dir);
    this.#dirs.set(token, dir);
    return token;
  }

  /** Learns the tokens of the recordings already under `root` (after a restart). */
  async load(root: string): Promise<void> {
    for (const rec of await listRecordingDirs(root)) {
      const token = await readFile(join(rec.path, TOKEN_FILE), 'utf8').then((t) => t.trim(), () => undefined);
      if (token !== undefined && TOKEN.test(token)) this.#dirs.set(token, rec.path);
    }
  }

  /** The recording directory of a well-formed, known token. */
  lookup(token: string): string | undefined {
    return TOKEN.test(token) ? this.#dirs.get(token) : undefined;
  }

  /** The recording in `dir` is gone. */
  forget(dir: string): void {
    for (const [token, d] of this.#dirs) if (d === dir) this.#dirs.delete(token);
  }
}
