// One call's codec chain between 48 kHz 20 ms frames and the phone's RTP payloads:
// G.711 (8 kHz) and G.722 (16 kHz) through the resamplers, Opus natively at 48 kHz.
import { FRAME_SAMPLES } from './phone-audio.ts';
import type { PhoneCodecName } from './phone-audio.ts';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from './g711.ts';
import { G722Decoder, G722Encoder } from './g722.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from './opus-codec.ts';
import { createDownsampler, createUpsampler } from './resampler.ts';
import type { BlockResampler, PhoneRate } from './resampler.ts';

/** Largest payload a 20 ms frame of ours can take (G.711: 160, G.722: 160, Opus: ≤ 1275). */
export const MAX_PAYLOAD_BYTES = 1500;

/** RTP timestamp units per 20 ms (RFC 3551 §4.5.2: G.722 counts at 8000 Hz). */
export const timestampUnitsPerFrame = (codec: PhoneCodecName): number => (codec === 'opus' ? 960 : 160);

/** Sending side: 48 kHz frames → RTP payloads. */
export interface PhoneEncoder {
  /** Encodes one FRAME_SAMPLES frame into `out`; returns the payload length. */
  encode(pcm: Int16Array, out: Uint8Array, offset: number): number;
  /** The same from 20 ms at the codec's own rate (phoneRateOf): no resampling. */
  encodeNative(pcm: Int16Array, out: Uint8Array, offset: number): number;
}

/** Receiving side: RTP payloads → samples at the codec's rate, then 48 kHz frames. */
export interface PhoneDecoder {
  /** Decodes one payload into the decoder's queue. */
  push(payload: Uint8Array, length: number): void;
  /** Queues concealment for one lost packet. */
  conceal(): void;
  /** Whether a full 20 ms is queued. */
  readonly hasFrame: boolean;
  /** Writes the next 20 ms at 48 kHz (zero-padded if less is queued). */
  readFrame(out: Int16Array): void;
  /** Writes the next 20 ms at the codec's own rate (phoneRateOf): no resampling. */
  readNativeFrame(out: Int16Array): void;
}

/** Creates the encoder for a negotiated codec. */
export function createPhoneEncoder(codec: PhoneCodecName): PhoneEncoder {
  switch (codec) {
    case 'PCMU': return new G711Encoder(encodeMulaw);
    case 'PCMA': return new G711Encoder(encodeAlaw);
    case 'G722': return new WidebandEncoder();
    case 'opus': return new OpusPhoneEncoder();
  }
}

/** Creates the decoder for a negotiated codec. */
export function createPhoneDecoder(codec: PhoneCodecName): PhoneDecoder {
  switch (codec) {
    case 'PCMU': return new ResampledDecoder(8000, (p, n, out, at) => decodeMulaw(p, out, n, at));
    case 'PCMA': return new ResampledDecoder(8000, (p, n, out, at) => decodeAlaw(p, out, n, at));
    case 'G722': {
      const g722 = new G722Decoder();
      return new ResampledDecoder(16000, (p, n, out, at) => g722.decode(p, out, n, at));
    }
    case 'opus': return new OpusPhoneDecoder();
  }
}

class G711Encoder implements PhoneEncoder {
  readonly #down = createDownsampler(8000);
  readonly #narrow = new Int16Array(160);
  readonly #encode: (pcm: Int16Array, out: Uint8Array) => number;
  readonly #octets = new Uint8Array(160);
  constructor(encode: (pcm: Int16Array, out: Uint8Array) => number) {
    this.#encode = encode;
  }
  encode(pcm: Int16Array, out: Uint8Array, offset: number): number {
    this.#down.process(pcm, this.#narrow);
    return this.encodeNative(this.#narrow, out, offset);
  }
  encodeNative(pcm: Int16Array, out: Uint8Array, offset: number): number {
    this.#encode(pcm, this.#octets);
    out.set(this.#octets, offset);
    return 160;
  }
}

class WidebandEncoder implements PhoneEncoder {
  readonly #down = createDownsampler(16000);
  readonly #wide = new Int16Array(320);
  readonly #g722 = new G722Encoder();
  readonly #octets = new Uint8Array(160);
  encode(pcm: Int16Array, out: Uint8Array, offset: number): number {
    this.#down.process(pcm, this.#wide);
    return this.encodeNative(this.#wide, out, offset);
  }
  encodeNative(pcm: Int16Array, out: Uint8Array, offset: number): number {
    this.#g722.encode(pcm, this.#octets);
    out.set(this.#octets, offset);
    return 160;
  }
}

class OpusPhoneEncoder implements PhoneEncoder {
  readonly #opus = new OpusFrameEncoder();
  encode(pcm: Int16Array, out: Uint8Array, offset: number): number {
    const packet = this.#opus.encode(pcm);
    out.set(packet, offset);
    return packet.length;
  }
  encodeNative(pcm: Int16Array, out: Uint8Array, offset: number): number {
    return this.encode(pcm, out, offset);
  }
}

/** Up to this many lost packets in a row repeat the last one, fading; then silence. */
const MAX_REPEATS = 2;

class ResampledDecoder implements PhoneDecoder {
  readonly #block: number;
  readonly #queue: Int16Array;
  #queued = 0;
  readonly #blockBuffer: Int16Array;
  readonly #up: BlockResampler;
  readonly #decode: (payload: Uint8Array, length: number, out: Int16Array, at: number) => number;
  #lastStart = 0;
  #lastLength = 0;
  #repeats = 0;

  constructor(rate: PhoneRate, decode: (payload: Uint8Array, length: number, out: Int16Array, at: number) => number) {
    this.#block = rate / 50;
    // Room for a 20 ms remainder plus a long packet (up to 120 ms).
    this.#queue = new Int16Array(this.#block * 8);
    this.#blockBuffer = new Int16Array(this.#block);
    this.#up = createUpsampler(rate);
    this.#decode = decode;
  }

  get hasFrame(): boolean {
    return this.#queued >= this.#block;
  }

  push(payload: Uint8Array, length: number): void {
    const space = this.#queue.length - this.#queued;
    const samples = Math.min(this.#decode(payload, Math.min(length, space), this.#queue, this.#queued), space);
    this.#lastStart = this.#queued;
    this.#lastLength = samples;
    this.#queued += samples;
    this.#repeats = 0;
  }

  conceal(): void {
    const q = this.#queue;
    const n = Math.min(this.#lastLength || this.#block, q.length - this.#queued);
    const repeat = this.#repeats < MAX_REPEATS && this.#lastLength > 0 && this.#lastStart + n <= this.#queued;
    for (let i = 0; i < n; i++) q[this.#queued + i] = repeat ? q[this.#lastStart + i]! >> 1 : 0;
    this.#lastStart = this.#queued;
    this.#queued += n;
    this.#repeats++;
  }

  readFrame(out: Int16Array): void {
    this.readNativeFrame(this.#blockBuffer);
    this.#up.process(this.#blockBuffer, out);
  }

  readNativeFrame(b: Int16Array): void {
    const block = this.#block;
    const take = Math.min(block, this.#queued);
    for (let i = 0; i < take; i++) b[i] = this.#queue[i]!;
    for (let i = take; i < block; i++) b[i] = 0;
    this.#queue.copyWithin(0, take, this.#queued);
    this.#queued -= take;
    this.#lastStart = Math.max(0, this.#lastStart - take);
    if (this.#lastStart + this.#lastLength > this.#queued) this.#lastLength = 0;
  }
}

/** Opus at 48 kHz; a queue lets phones use 10-60 ms packets (RFC 7587 §4: ptime is the sender's choice). */
class OpusPhoneDecoder implements PhoneDecoder {
  readonly #opus = new OpusFrameDecoder();
  readonly #packet = new Int16Array(FRAME_SAMPLES * 6); // up to 120 ms
  readonly #queue = new Int16Array(FRAME_SAMPLES * 8);
  #queued = 0;
  get hasFrame(): boolean {
    return this.#queued >= FRAME_SAMPLES;
  }
  push(payload: Uint8Array, length: number): void {
    this.#opus.decode(payload.subarray(0, length), this.#packet);
    this.#append();
  }
  conceal(): void {
    this.#opus.conceal(this.#packet);
    this.#append();
  }
  #append(): void {
    const n = Math.min(this.#opus.samples, this.#queue.length - this.#queued);
    for (let i = 0; i < n; i++) this.#queue[this.#queued + i] = this.#packet[i]!;
    this.#queued += n;
  }
  readFrame(out: Int16Array): void {
    const take = Math.min(FRAME_SAMPLES, this.#queued);
    for (let i = 0; i < take; i++) out[i] = this.#queue[i]!;
    for (let i = take; i < FRAME_SAMPLES; i++) out[i] = 0;
    this.#queue.copyWithin(0, take, this.#queued);
    this.#queued -= take;
  }
  readNativeFrame(out: Int16Array): void {
    this.readFrame(out);
  }
}
