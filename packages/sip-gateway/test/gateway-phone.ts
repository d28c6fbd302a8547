// The phone's media in the gateway's end-to-end tests: a UDP socket the test owns (μ-law RTP both
// ways, RFC 4733 key presses), with a μ-law codec and a frequency detector written here
// independently of src/media, so what the gateway sends is checked by code that shares nothing
// with it.
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** G.711 μ-law (ITU-T G.711, the classic bias-and-segment form), written here independently of src/media. */
export function mulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return (v & 0x80) !== 0 ? 0x84 - t : t - 0x84;
}

export function linearToMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(32635, Math.abs(sample)) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  s = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return s;
}

/** The dominant frequency of `samples` (sampled at `rate`) between 100 Hz and 4 kHz, by a Goertzel scan in 10 Hz steps. */
export function dominantFrequency(samples: ArrayLike<number>, rate: number): number {
  let best = 0;
  let bestPower = -1;
  const n = samples.length;
  for (let f = 100; f <= Math.min(4000, rate / 2 - 100); f += 10) {
    const w = (2 * Math.PI * f) / rate;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s0 = (samples[i] as number) + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}

/** Root-mean-square of samples (to tell a tone from silence). */
export const rmsOf = (samples: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length));
};

const RTP_PCMU = 0;
const RTP_TELEPHONE_EVENT = 101;
const SAMPLES_PER_PACKET = 160;

/**
 * The phone's RTP socket: records the μ-law audio the gateway sends, learns where it comes from,
 * and sends a μ-law tone and RFC 4733 key presses back from the same socket (symmetric RTP).
 */
export class PhoneMedia {
  /** Linear samples at 8 kHz of every PCMU packet received, in arrival order. */
  readonly heard: number[] = [];
  /** Arrival time (ms, monotonic) of every PCMU packet received. */
  readonly arrivals: number[] = [];
  #gateway: { address: string; port: number } | undefined;
  #firstPacket: Promise<void>;
  #sequence = randomInt(0, 0x10000);
  #timestamp = randomInt(0, 0x1_0000_0000);
  readonly #ssrc = randomInt(1, 0xffff_ffff);
  #toneTimer: ReturnType<typeof setInterval> | undefined;
  #phase = 0;

  private constructor(readonly socket: Socket) {
    this.#firstPacket = new Promise((resolve) => {
      socket.on('message', (msg, rinfo) => {
        this.#gateway ??= { address: rinfo.address, port: rinfo.port };
        resolve();
        this.#onRtp(msg);
      });
    });
  }

  static async open(): Promise<PhoneMedia> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new PhoneMedia(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves when the gateway's first RTP packet arrived (it knows where to send from then on). */
  gatewayFound(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no RTP from the gateway')), timeoutMs);
    });
    return Promise.race([this.#firstPacket, timeout]).finally(() => clearTimeout(timer));
  }

  /** Plays a sine of `hz` at about -12 dBFS to the gateway, 20 ms per packet, until stopTone(). */
  startTone(hz: number): void {
    this.stopTone();
    const payload = new Uint8Array(SAMPLES_PER_PACKET);
    this.#toneTimer = setInterval(() => {
      for (let i = 0; i < SAMPLES_PER_PACKET; i++) {
        payload[i] = linearToMulaw(Math.round(8000 * Math.sin(this.#phase)));
        this.#phase += (2 * Math.PI * hz) / 8000;
      }
      this.#send(RTP_PCMU, payload, false, SAMPLES_PER_PACKET);
    }, 20);
  }

  stopTone(): void {
    if (this.#toneTimer !== undefined) clearInterval(this.#toneTimer);
    this.#toneTimer = undefined;
  }

  /** Presses `keys` (0-9, *, #) as RFC 4733 events: 3 updates and 3 redundant end packets each, 100 ms apart. */
  async pressKeys(keys: string): Promise<void> {
    for (const key of keys) {
      const event = '0123456789*#'.indexOf(key);
      if (event < 0) throw new Error(`not a key: ${key}`);
      const payload = new Uint8Array(4);
      payload[0] = event;
      for (let i = 0; i < 6; i++) {
        const isEnd = i >= 3;
        const duration = Math.min(i + 1, 4) * SAMPLES_PER_PACKET;
        payload[1] = (isEnd ? 0x80 : 0) | 10;
        payload[2] = duration >> 8;
        payload[3] = duration & 0xff;
        this.#send(RTP_TELEPHONE_EVENT, payload, i === 0, i === 5 ? 4 * SAMPLES_PER_PACKET : 0);
        await sleep(20);
      }
      await sleep(60);
    }
  }

  close(): void {
    this.stopTone();
    this.socket.close();
  }

  /** One RTP packet; `advance` is added to the timestamp after it (events keep their start time). */
  #send(payloadType: number, payload: Uint8Array, marker: boolean, advance: number): void {
    const to = this.#gateway;
    if (to === undefined) return;
    const packet = Buffer.alloc(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | payloadType;
    packet.writeUInt16BE(this.#sequence, 2);
    packet.writeUInt32BE(this.#timestamp >>> 0, 4);
    packet.writeUInt32BE(this.#ssrc, 8);
    packet.set(payload, 12);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + advance) >>> 0;
    this.socket.send(packet, to.port, to.address);
  }

  #onRtp(msg: Buffer): void {
    if (msg.length < 12 || (msg[0]! >> 6) !== 2 || (msg[1]! & 0x7f) !== RTP_PCMU) return;
    this.arrivals.push(performance.now());
    let offset = 12 + 4 * (msg[0]! & 0x0f);
    if ((msg[0]! & 0x10) !== 0) offset += 4 + 4 * msg.readUInt16BE(offset + 2);
    for (let i = offset; i < msg.length; i++) this.heard.push(mulawToLinear(msg[i]!));
  }
}

