// The committed spoken prompts: every one loads (no espeak-ng needed), is speech-loud and as long
// as ffprobe says; the player sends them to a phone as RTP on the frame clock and stops on abort.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '@plenum/kit';
import { DEFAULT_PROMPTS_DIRECTORY, loadPrompts, PROMPT_NAMES, PromptPlayer } from '../src/media/prompt-player.ts';
import { FrameClock } from '../src/media/frame-clock.ts';
import { openPhoneAudioPort } from '../src/media/phone-audio-port.ts';
import { DEFAULT_PHONE_MEDIA_CONFIG } from '../src/media/phone-media-config.ts';
import { decodeMulaw } from '../src/media/g711.ts';
import { rms } from './tone.ts';

const prompts = loadPrompts();

test('every prompt loads, is as long as ffprobe measures, and carries speech', () => {
  for (const name of PROMPT_NAMES) {
    const pcm = prompts.get(name);
    assert.ok(pcm !== undefined, name);
    const seconds = Number(execFileSync('ffprobe', ['-v', 'error', '-f', 'g722', '-show_entries', 'format=duration', '-of', 'csv=p=0',
      join(DEFAULT_PROMPTS_DIRECTORY, `${name}.g722`)]).toString());
    assert.ok(Math.abs(pcm.length / 48_000 - seconds) < 0.03, `${name}: ${pcm.length / 48_000} s vs ${seconds} s`);
    assert.ok(rms(pcm) > 1500, `${name} is audible (rms ${rms(pcm).toFixed(0)})`);
  }
});

test('the player sends a prompt to the phone as RTP, one packet per frame, and stops when aborted', async () => {
  const port = await openPhoneAudioPort({ ...DEFAULT_PHONE_MEDIA_CONFIG, codecs: ['PCMU'] }, silentLogger);
  const phone = createSocket('udp4');
  const clock = new FrameClock();
  try {
    phone.bind(0, '127.0.0.1');
    await once(phone, 'listening');
    const received: Int16Array[] = [];
    phone.on('message', (m: Buffer) => {
      const pcm = new Int16Array(m.length - 12);
      decodeMulaw(m.subarray(12), pcm);
      received.push(pcm);
    });
    const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${phone.address().port} RTP/AVP 0`, ''].join('\r\n');
    assert.ok(port.answer(sdp).ok);
    const player = new PromptPlayer({ ticker: clock, prompts });
    await player.play(port, 'muted', new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    const frames = prompts.get('muted')!.length / 960;
    assert.is(received.length, frames, 'every frame was sent');
    const all = new Int16Array(received.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of received) {
      all.set(p, at);
      at += p.length;
    }
    assert.ok(rms(all) > 1000, `the phone hears speech (rms ${rms(all).toFixed(0)})`);

    received.length = 0;
    const abort = new AbortController();
    const playing = player.play(port, 'welcome', abort.signal);
    setTimeout(() => abort.abort(), 200);
    await playing;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(received.length > 3 && received.length < 20, `stopped early after ${received.length} frames`);
    assert.is(clock.size, 0, 'the player left the clock');
  } finally {
    clock.stop();
    port.close();
    phone.close();
  }
});

test.run();
