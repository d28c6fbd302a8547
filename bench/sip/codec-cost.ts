// bench:sip, codec part: CPU per call per 20 ms for the gateway's media work, one core, no I/O.
// Each call does what the real call does every tick: the phone's payload through the jitter
// buffer, decode and resampling to 48 kHz, Opus encode for the conference; and the conference's 4
// talkers as Opus packets through the mixer (4 decodes + sum), resampled and encoded for the phone.
// Two ways, to show what the native-rate path saves: `48k` (everything at 48 kHz, resampled to and
// from the phone's rate, as before) and `native` (what the gateway does now: Opus decodes the
// talkers and encodes the caller at the phone's own rate, the mix is at that rate, nothing is
// resampled for G.711 and G.722).
// Speech-like input: the gateway's own spoken prompts. Usage:
// The caller's Opus encoder runs at each complexity of --complexity (the gateway's 5, and 1, what it
// drops to while busy: conferenceAudio.encoderComplexityUnderLoad).
//   node --import tsx bench/sip/codec-cost.ts [--calls 20] [--frames 500] [--complexity 5,1]
import { parseArgs } from 'node:util';
import { loadPrompts } from '../../packages/sip-gateway/src/media/prompt-player.ts';
import { createPhoneDecoder, createPhoneEncoder } from '../../packages/sip-gateway/src/media/phone-codec.ts';
import { JitterBuffer } from '../../packages/sip-gateway/src/media/jitter-buffer.ts';
import { ConferenceAudioMixer } from '../../packages/sip-gateway/src/media/conference-audio-mixer.ts';
import { OpusFrameEncoder, opusBandwidthForPhone } from '../../packages/sip-gateway/src/media/opus-codec.ts';
import type { OpusComplexity } from '../../packages/sip-gateway/src/media/opus-codec.ts';
import type { PhoneCodecName } from '../../packages/sip-gateway/src/media/phone-audio.ts';
import { phoneRateOf } from '../../packages/sip-gateway/src/media/phone-audio.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20' }, frames: { type: 'string', default: '500' }, complexity: { type: 'string', default: '5,1' } } });
const CALLS = Number(values.calls);
const FRAMES = Number(values.frames);
const TALKERS = 4;
const WARMUP_FRAMES = 50;
const COMPLEXITIES = values.complexity.split(',').map((c) => Number(c) as OpusComplexity);

const prompts = loadPrompts();
const voice = [...prompts.values()];
const voiceFrame = (talker: number, frame: number): Int16Array => {
  const pcm = voice[talker % voice.length]!;
  const frames = pcm.length / 960;
  const f = frame % frames;
  return pcm.subarray(f * 960, (f + 1) * 960);
};

// The conference's talkers and the phones' streams, encoded once up front (that is the senders' CPU, not ours).
const talkerPackets: Uint8Array[][] = [];
for (let t = 0; t < TALKERS; t++) {
  const encoder = new OpusFrameEncoder();
  talkerPackets.push(Array.from({ length: FRAMES + WARMUP_FRAMES }, (_, f) => encoder.encode(voiceFrame(t, f)).slice()));
}

function phonePayloads(codec: PhoneCodecName): Uint8Array[] {
  const encoder = createPhoneEncoder(codec);
  const buffer = new Uint8Array(1500);
  return Array.from({ length: FRAMES + WARMUP_FRAMES }, (_, f) => buffer.slice(0, encoder.encode(voiceFrame(5, f), buffer, 0)));
}

type Call = {
  jitter: JitterBuffer;
  decoder: ReturnType<typeof createPhoneDecoder>;
  encoder: ReturnType<typeof createPhoneEncoder>;
  toConference: OpusFrameEncoder;
  mixer: ConferenceAudioMixer;
  fromPhone: Int16Array;
  toPhone: Uint8Array;
};

function runCodec(codec: PhoneCodecName, isNative: boolean, complexity: OpusComplexity): { usPerCallFrame: number; callsPerCore: number; stagesUs: number[] } {
  const payloads = phonePayloads(codec);
  const rate = isNative ? phoneRateOf(codec) : 48_000;
  const calls: Call[] = Array.from({ length: CALLS }, () => {
    const mixer = new ConferenceAudioMixer();
    if (isNative) mixer.fitTo(codec);
    return {
      jitter: new JitterBuffer({ depthPackets: 3, capacityPackets: 64, maxPayloadBytes: 1500 }),
      decoder: createPhoneDecoder(codec),
      encoder: createPhoneEncoder(codec),
      toConference: new OpusFrameEncoder({ sampleRate: rate, maxBandwidth: opusBandwidthForPhone(codec), complexity }),
      mixer,
      fromPhone: new Int16Array(rate / 50),
      toPhone: new Uint8Array(1500),
    };
  });
  let sink = 0;
  const stageNs = new Float64Array(4);
  let mark = 0n;
  const lap = (stage: number): void => {
    const now = process.hrtime.bigint();
    stageNs[stage]! += Number(now - mark);
    mark = now;
  };
  const tick = (frame: number): void => {
    for (const call of calls) {
      mark = process.hrtime.bigint();
      const payload = payloads[frame]!;
      call.jitter.push(frame & 0xffff, frame * 160, payload, 0, payload.length);
      while (!call.decoder.hasFrame) {
        const next = call.jitter.pop();
        if (next === 'empty') break;
        if (next === 'packet') call.decoder.push(call.jitter.payload, call.jitter.payloadLength);
        else call.decoder.conceal();
      }
      if (isNative) call.decoder.readNativeFrame(call.fromPhone);
      else call.decoder.readFrame(call.fromPhone);
      lap(0);
      sink += call.toConference.encode(call.fromPhone).length;
      lap(1);
      for (let t = 0; t < TALKERS; t++) call.mixer.push(1000 + t, frame & 0xffff, frame * 960, talkerPackets[t]![frame]!);
      const mix = call.mixer.mixFrame();
      lap(2);
      sink += isNative ? call.encoder.encodeNative(mix, call.toPhone, 0) : call.encoder.encode(mix, call.toPhone, 0);
      lap(3);
    }
  };
  for (let f = 0; f < WARMUP_FRAMES; f++) tick(f);
  stageNs.fill(0);
  const cpuStart = process.cpuUsage();
  for (let f = WARMUP_FRAMES; f < WARMUP_FRAMES + FRAMES; f++) tick(f);
  const cpu = process.cpuUsage(cpuStart);
  if (sink === 0) throw new Error('nothing was encoded');
  const usPerCallFrame = (cpu.user + cpu.system) / (CALLS * FRAMES);
  const stagesUs = [...stageNs].map((ns) => ns / 1000 / (CALLS * FRAMES));
  return { usPerCallFrame, callsPerCore: 20_000 / usPerCallFrame, stagesUs };
}

console.log(`sip codec cost: ${CALLS} calls × ${FRAMES} frames, ${TALKERS} talkers mixed per call (CPU time, one core)`);
for (const codec of ['PCMU', 'G722', 'opus'] as PhoneCodecName[]) {
  for (const [isNative, complexity] of (codec === 'opus' ? [true] : [false, true]).flatMap((n) => COMPLEXITIES.map((c) => [n, c] as const))) {
    const r = runCodec(codec, isNative, complexity);
    const [fromPhone, toConference, mix, toPhone] = r.stagesUs.map((us) => us!.toFixed(0));
    console.log(`${codec.padEnd(5)} ${(isNative ? 'native' : '48k').padEnd(6)} complexity ${String(complexity).padEnd(2)} ${r.usPerCallFrame.toFixed(1).padStart(7)} µs per call per 20 ms  ≈ ${Math.floor(r.callsPerCore)} calls per core` +
      `  (wall µs: phone decode ${fromPhone}, Opus encode ${toConference}, mix ${TALKERS} ${mix}, phone encode ${toPhone})`);
  }
}
