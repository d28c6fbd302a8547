// The phones' media in bench:sip: one UDP socket per call (the port sipp's SDP announces), sending
// pre-encoded μ-law speech every 20 ms from one shared timer once the gateway's first packet says
// where to send (symmetric RTP), and counting what the gateway sends: packets, sequence gaps and
// RFC 3550 interarrival jitter. sipp does the signalling; it cannot measure audio.
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';

const RTP_HEADER_BYTES = 12;
const PCMU_BYTES = 160;
const PCMU = 0;
/** RTP timestamp units (8 kHz) per millisecond. */
const UNITS_PER_MS = 8;

/** What one phone heard from the gateway; counters only grow, windows are differences. */
export type PhoneCounters = {
  readonly received: number;
  /** Packets missing by sequence number (gaps; reordering counted as loss here, none is expected on loopback). */
  readonly seqLost: number;
  /** RFC 3550 §6.4.1 interarrival jitter, in ms. */
  readonly jitterMs: number;
};

class BenchPhone {
  readonly #packet = Buffer.alloc(RTP_HEADER_BYTES + PCMU_BYTES);
  #gateway: { address: string; port: number } | undefined;
  #sentFrames = 0;
  received = 0;
  seqLost = 0;
  #lastSeq = -1;
  #transit = Number.NaN;
  jitter = 0;

  constructor(readonly socket: Socket, ssrc: number) {
    this.#packet[0] = 0x80;
    this.#packet[1] = PCMU;
    this.#packet.writeUInt32BE(ssrc >>> 0, 8);
    socket.on('message', (msg, rinfo) => this.#onPacket(msg, rinfo.address, rinfo.port));
  }

  get port(): number {
    return this.socket.address().port;
  }

  get isConnected(): boolean {
    return this.#gateway !== undefined;
  }

  send(frame: Uint8Array): void {
    const g = this.#gateway;
    if (g === undefined) return;
    const n = this.#sentFrames++;
    this.#packet.writeUInt16BE(n & 0xffff, 2);
    this.#packet.writeUInt32BE((n * PCMU_BYTES) >>> 0, 4);
    this.#packet.set(frame, RTP_HEADER_BYTES);
    this.socket.send(this.#packet, g.port, g.address);
  }

  #onPacket(msg: Buffer, address: string, port: number): void {
    if (msg.length < RTP_HEADER_BYTES || (msg[1]! & 0x7f) !== PCMU) return;
    this.#gateway ??= { address, port };
    const seq = msg.readUInt16BE(2);
    const timestamp = msg.readUInt32BE(4);
    this.received++;
    if (this.#lastSeq >= 0) {
      const step = (seq - this.#lastSeq) & 0xffff;
      if (step > 1 && step < 0x8000) this.seqLost += step - 1;
    }
    this.#lastSeq = seq;
    // RFC 3550 A.8: transit = arrival - timestamp (both in RTP units); J += (|D| - J) / 16.
    const transit = performance.now() * UNITS_PER_MS - timestamp;
    if (!Number.isNaN(this.#transit)) {
      let d = transit - this.#transit;
      // A timestamp wrap or a new stream: skip the sample rather than count a huge jump.
      if (Math.abs(d) < 8000) {
        d = Math.abs(d);
        this.jitter += (d - this.jitter) / 16;
      }
    }
    this.#transit = transit;
  }
}

/** A set of bench phones on one 20 ms timer. */
export class BenchPhones {
  readonly #phones: BenchPhone[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  #frame = 0;

  private constructor(readonly speech: readonly Uint8Array[]) {
    this.#timer = setInterval(() => this.#tick(), 20);
  }

  /** `speech`: μ-law frames (160 bytes each) every phone plays in a loop. */
  static create(speech: readonly Uint8Array[]): BenchPhones {
    return new BenchPhones(speech);
  }

  /** Opens `count` more phones on 127.0.0.1; returns their RTP ports. */
  async open(count: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const phone = new BenchPhone(socket, 0x5000_0000 + this.#phones.length);
      this.#phones.push(phone);
      ports.push(phone.port);
    }
    return ports;
  }

  /** Phones the gateway has sent audio to. */
  get connected(): number {
    return this.#phones.filter((p) => p.isConnected).length;
  }

  counters(): PhoneCounters[] {
    return this.#phones.map((p) => ({ received: p.received, seqLost: p.seqLost, jitterMs: p.jitter / UNITS_PER_MS }));
  }

  /** Closes every phone (the next step opens fresh ones). */
  closeAll(): void {
    for (const p of this.#phones) p.socket.close();
    this.#phones.length = 0;
  }

  close(): void {
    clearInterval(this.#timer);
    this.closeAll();
  }

  #tick(): void {
    const frame = this.speech[this.#frame++ % this.speech.length]!;
    for (const p of this.#phones) p.send(frame);
  }
}
