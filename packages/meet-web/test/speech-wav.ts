// A spoken sentence as a WAV file for Chromium's fake microphone (`--use-file-for-fake-audio-capture`),
// made with espeak-ng (scripts/install-test-deps.sh). Chromium's own fake microphone beeps: a tone at
// one level, which speech detection rightly takes for a steady noise (the dominant speaker algorithm
// counts only what rises above a speaker's noise floor, as Jitsi's does), so tests that need a
// speaker use speech. Chromium loops the file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SENTENCE = 'Good morning everyone. Thank you for joining the meeting. Let us start with the first item on the agenda, then we will talk about the budget for next year.';

/** Makes the file once per process; returns its path. */
export const speechWav = ((): (() => string) => {
  let path: string | undefined;
  return () => {
    if (path !== undefined) return path;
    const file = join(mkdtempSync(join(tmpdir(), 'plenum-speech-')), 'speech.wav');
    execFileSync('espeak-ng', ['-s', '150', '-w', file, SENTENCE]);
    path = file;
    return file;
  };
})();
