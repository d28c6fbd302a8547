// A call's audio at the phone codec's own rate: with a G.711 phone, CallAudio runs the real mixer
// and encoder at 8 kHz (160-sample frames both ways, the room's tone heard by the phone, the phone's
// tone heard by the room), switches to 16 kHz when a re-INVITE picks G.722, and keeps 48 kHz frames
// for a port that offers no native-rate frames. The phone port and the room are stand-ins (a
// recording object and an emitter): the real ones run in gateway-dial-in.test.ts with sipp and werift.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TypedEmitter } from '@plenum/kit';
import { CallAudio } from '../src/gateway/call-audio.ts';
import type { ConferenceSide, ConferenceSideEvents } from '../src/gateway/ports.ts';
import { ConferenceAudioMixer } from '../src/media/conference-audio-mixer.ts';
import { ConferenceFrameEncoder } from '../src/media/conference-frame-encoder.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from '../src/media/opus-codec.ts';
import type { PhoneAudioPort, PhoneCodecName } from '../src/media/phone-audio.ts';
import { phoneRateOf } from '../src/media/phone-audio.ts';
import { concatPcm, sineFrame, toneAmplitude } from './tone.ts';

/** A phone port that plays a 1 kHz tone at its codec's rate and records what it is given. */
class RecordingPort {
  codec: PhoneCodecName = 'PCMU';
  readonly written: Int16Array[] = [];
  readonly read: number[] = [];
  #sample = 0;
  get negotiated(): PhoneAudioPort['negotiated'] {
    return { codec: this.codec, payloadType: 0, telephoneEventPayloadType: undefined, remote: { address: '127.0.0.1', port: 9 }, direction: 'sendrecv', srtp: false };
  }
  readFrame(): Int16Array {
    return this.#tone(48_000);
  }
  writeFrame(pcm: Int16Array): void {
    this.written.push(pcm.slice());
  }
  readNativeFrame(): Int16Array {
    return this.#tone(phoneRateOf(this.codec));
  }
  writeNativeFrame(pcm: Int16Array): void {
    this.written.push(pcm.slice());
  }
  #tone(rate: number): Int16Array {
    const samples = rate / 50;
    this.read.push(samples);
    const frame = sineFrame(1000, { sampleRate: rate, samples, startSample: this.#sample, amplitude: 6000 });
    this.#sample += samples;
    return frame;
  }
}

/** The room: a talker at 440 Hz pushed as Opus, and what the call sends to it. */
class Room {
  readonly events = new TypedEmitter<ConferenceSideEvents>();
  readonly sent: Uint8Array[] = [];
  readonly #talker = new OpusFrameEncoder();
  #seq = 0;
  side(): ConferenceSide {
    return {
      events: this.events, sendAudio: (opus) => void this.sent.push(opus.slice()),
      setMuted: () => undefined, setStatus: () => undefined, leave: async () => undefined,
    };
  }
  speak(): void {
    const seq = this.#seq++;
    this.events.emit('audio', 42, seq, seq * 960, this.#talker.encode(sineFrame(440, { startSample: seq * 960, amplitude: 6000 })).slice());
  }
}

/** A ticker driven by the test. */
function manualTicker(): { onTick(tick: () => void): () => void; tick(): void } {
  const ticks = new Set<() => void>();
  return {
    onTick: (t) => {
      ticks.add(t);
      return () => ticks.delete(t);
    },
    tick: () => ticks.forEach((t) => t()),
  };
}

const heardByRoom = (packets: readonly Uint8Array[]): Int16Array => {
  const decoder = new OpusFrameDecoder();
  return concatPcm(packets.map((p) => {
    const out = new Int16Array(960);
    decoder.decode(p, out);
    return out;
  }));
};

test('a G.711 call runs at 8 kHz both ways (160-sample frames), and at 16 kHz after a re-INVITE to G.722', () => {
  const port = new RecordingPort();
  const room = new Room();
  const ticker = manualTicker();
  const audio = new CallAudio(port as unknown as PhoneAudioPort, ticker);
  audio.connect(room.side(), new ConferenceAudioMixer(), new ConferenceFrameEncoder());
  try {
    for (let f = 0; f < 60; f++) {
      room.speak();
      ticker.tick();
    }
    const sizes = (frames: readonly (number | Int16Array)[]): number[] => [...new Set(frames.map((f) => (typeof f === 'number' ? f : f.length)))];
    assert.equal(sizes(port.read), [160], 'the phone is read at 8 kHz');
    assert.equal(sizes(port.written), [160], 'the mix is written at 8 kHz');
    const atPhone = concatPcm(port.written.slice(10));
    assert.ok(Math.abs(toneAmplitude(atPhone, 8000, 440) - 6000) < 900, `the phone hears the room's 440 Hz (${toneAmplitude(atPhone, 8000, 440).toFixed(0)})`);
    const atRoom = heardByRoom(room.sent).subarray(960 * 10);
    assert.ok(Math.abs(toneAmplitude(atRoom, 48_000, 1000) - 6000) < 900, `the room hears the phone's 1 kHz (${toneAmplitude(atRoom, 48_000, 1000).toFixed(0)})`);

    port.codec = 'G722';
    port.written.length = 0;
    port.read.length = 0;
    for (let f = 0; f < 30; f++) {
      room.speak();
      ticker.tick();
    }
    assert.equal(sizes(port.read), [320], 'G.722: the phone is read at 16 kHz');
    assert.equal(sizes(port.written), [320], 'G.722: the mix is written at 16 kHz');
    const wide = concatPcm(port.written.slice(10));
    assert.ok(toneAmplitude(wide, 16_000, 440) > 4000, 'still the room\'s tone, at 16 kHz');
  } finally {
    audio.stop();
  }
});

test('a port without native-rate frames gets 48 kHz frames', () => {
  const port = new RecordingPort();
  const plain = { negotiated: port.negotiated, readFrame: () => port.readFrame(), writeFrame: (pcm: Int16Array) => port.writeFrame(pcm) };
  const room = new Room();
  const ticker = manualTicker();
  const audio = new CallAudio(plain as unknown as PhoneAudioPort, ticker);
  audio.connect(room.side(), new ConferenceAudioMixer(), new ConferenceFrameEncoder());
  try {
    for (let f = 0; f < 30; f++) {
      room.speak();
      ticker.tick();
    }
    assert.ok(port.read.length === 30 && port.read.every((n) => n === 960), 'read at 48 kHz');
    assert.ok(port.written.every((w) => w.length === 960), 'written at 48 kHz');
    assert.ok(toneAmplitude(concatPcm(port.written.slice(10)), 48_000, 440) > 4000, 'the phone hears the room');
  } finally {
    audio.stop();
  }
});

test.run();
