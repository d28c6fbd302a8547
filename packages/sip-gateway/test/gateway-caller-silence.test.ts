// The caller's silence is not encoded or sent: CallAudio with the real Opus encoder and mixer, a
// phone port that plays a tone, then digital silence, then a quiet hiss, then the tone again (a
// stand-in: the real port runs in gateway-dial-in.test.ts), and a room that records what it gets.
// The RTP side of it (clock running on, marker bit) is in conference-leg-levels.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TypedEmitter } from '@plenum/kit';
import { CallAudio } from '../src/gateway/call-audio.ts';
import { HANGOVER_FRAMES } from '../src/gateway/caller-silence.ts';
import type { ConferenceSide, ConferenceSideEvents } from '../src/gateway/ports.ts';
import { ConferenceAudioMixer } from '../src/media/conference-audio-mixer.ts';
import { ConferenceFrameEncoder } from '../src/media/conference-frame-encoder.ts';
import type { PhoneAudioPort } from '../src/media/phone-audio.ts';
import { sineFrame } from './tone.ts';

type Sound = 'tone' | 'silence' | 'hiss' | 'murmur';

/** A G.711 phone port whose caller makes `sound` (8 kHz frames). */
class ScriptedPort {
  sound: Sound = 'tone';
  #sample = 0;
  get negotiated(): PhoneAudioPort['negotiated'] {
    return { codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: undefined, remote: { address: '127.0.0.1', port: 9 }, direction: 'sendrecv', srtp: false };
  }
  readFrame(): Int16Array {
    return new Int16Array(960);
  }
  writeFrame(): void {}
  writeNativeFrame(): void {}
  readNativeFrame(): Int16Array {
    const start = this.#sample;
    this.#sample += 160;
    if (this.sound === 'silence') return new Int16Array(160);
    // −74 dBov hiss (inaudible) and a −60 dBov murmur (quiet, but to be sent).
    if (this.sound === 'hiss' || this.sound === 'murmur') return sineFrame(2000, { sampleRate: 8000, samples: 160, startSample: start, amplitude: this.sound === 'hiss' ? 9 : 46 });
    return sineFrame(440, { sampleRate: 8000, samples: 160, startSample: start, amplitude: 6000 });
  }
}

test('the caller\'s silence is not sent after a 200 ms hangover; speech, quiet speech and unmuting are', () => {
  const port = new ScriptedPort();
  const events = new TypedEmitter<ConferenceSideEvents>();
  const log: string[] = [];
  const side: ConferenceSide = {
    events, sendAudio: () => void log.push('sent'), skipAudio: () => void log.push('skipped'),
    setMuted: () => undefined, setStatus: () => undefined, leave: async () => undefined,
  };
  const ticks = new Set<() => void>();
  const audio = new CallAudio(port as unknown as PhoneAudioPort, { onTick: (t) => (ticks.add(t), () => ticks.delete(t)) });
  audio.connect(side, new ConferenceAudioMixer(), new ConferenceFrameEncoder());
  const run = (sound: Sound, frames: number): string[] => {
    port.sound = sound;
    log.length = 0;
    for (let i = 0; i < frames; i++) ticks.forEach((t) => t());
    return [...log];
  };
  assert.ok(run('tone', 20).every((e) => e === 'sent'), 'speech is sent');
  const pause = run('silence', 40);
  assert.equal(pause.slice(0, HANGOVER_FRAMES), new Array(HANGOVER_FRAMES).fill('sent'), 'the hangover goes out');
  assert.ok(pause.slice(HANGOVER_FRAMES).every((e) => e === 'skipped'), 'then nothing is sent, but the clock is told');
  assert.ok(run('hiss', 20).every((e) => e === 'skipped'), 'an inaudible hiss is silence too');
  assert.ok(run('murmur', 20).every((e) => e === 'sent'), 'quiet speech (−60 dBov) is sent');
  run('silence', 40);
  assert.ok(run('tone', 5).every((e) => e === 'sent'), 'speech is sent again at once');
  run('silence', 40);
  audio.setMuted(true);
  assert.equal(run('silence', 3), [], 'muted: nothing at all');
  audio.setMuted(false);
  assert.equal(run('silence', 3), ['sent', 'sent', 'sent'], 'unmuting starts a fresh hangover');
  audio.stop();
});

test.run();
