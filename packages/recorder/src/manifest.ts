// The JSON manifest written next to a recording's files: who was recorded, which file holds what,
// and where each track starts on the recording's timeline. The finalize hook gets its path.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ManifestTrack = {
  readonly file: string;
  readonly source: string;
  readonly owner: string;
  readonly media: 'audio' | 'video';
  readonly codec: string;
  readonly ssrc: number;
  /** Always 0 now: a source is one file, a muted stretch a gap in its timeline (earlier recorders split it into segments 1, 2…). */
  readonly segment: number;
  /** First packet, ms after the recording started (undefined: nothing arrived). */
  readonly startOffsetMs: number | undefined;
  /** First to last packet in ms. */
  readonly durationMs: number;
  readonly packets: number;
};

/** End-to-end encryption of the recorded media: an operator sees why a track has gaps. */
export type ManifestE2ee = {
  /** The room was end-to-end encrypted at some time while recording (the recorder decrypted its media). */
  readonly on: boolean;
  readonly framesDecrypted: number;
  /** Frames not written because they did not decrypt or were incomplete (never written as ciphertext). */
  readonly framesDropped: number;
  readonly dropped: Readonly<Record<string, number>>;
};

export type Manifest = {
  readonly version: 1;
  readonly sessionId: string;
  readonly room: string;
  readonly mode: 'file';
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly participants: readonly { readonly endpointId: string; readonly sources: readonly string[] }[];
  readonly composed: { readonly file: string; readonly sources: readonly string[] } | undefined;
  readonly tracks: readonly ManifestTrack[];
  readonly e2ee?: ManifestE2ee;
  /** Why the recording ended early, when it did. */
  readonly failure?: string;
};

export const MANIFEST_FILE = 'manifest.json';

/** Writes the manifest into `dir`; resolves with its path. */
export async function writeManifest(dir: string, m: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_FILE);
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`);
  return path;
}
