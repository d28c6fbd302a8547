// The recordings this recorder made: sub-directories of output.directory holding its manifest
// (manifest.ts, version 1 with a session id). Anything else in that directory is never touched.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../manifest.ts';
import { MANIFEST_FILE } from '../manifest.ts';

export type RecordingDir = {
  readonly path: string;
  readonly manifest: Manifest;
  /** When the manifest was written (the recording ended), epoch ms. */
  readonly endedMs: number;
};

/** The manifest in `dir` if it is one of ours, else undefined. */
export async function readRecordingDir(dir: string): Promise<RecordingDir | undefined> {
  const file = join(dir, MANIFEST_FILE);
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const m = JSON.parse(text) as Partial<Manifest> | null;
    if (m === null || typeof m !== 'object' || m.version !== 1 || typeof m.sessionId !== 'string' || !Array.isArray(m.tracks)) return undefined;
    return { path: dir, manifest: m as Manifest, endedMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Every recording directory directly under `root` (none when it does not exist yet). */
export async function listRecordingDirs(root: string): Promise<RecordingDir[]> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const found = await Promise.all(names.map((n) => readRecordingDir(join(root, n))));
  return found.filter((d): d is RecordingDir => d !== undefined);
}

/** The files a recording consists of (what the download server may serve), manifest included. */
export function recordingFiles(m: Manifest): string[] {
  const files = new Set<string>([MANIFEST_FILE]);
  if (m.composed !== undefined) files.add(m.composed.file);
  for (const t of m.tracks) files.add(t.file);
  return [...files];
}
