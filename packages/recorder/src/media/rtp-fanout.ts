// Decrypted RTP from the bridge to the ffmpeg processes: each SSRC goes to the loopback ports of
// its per-track writer and of the composer, unchanged (ffmpeg depacketizes). One socket for all;
// per packet only a map lookup and the sends. Arrival times are kept for the manifest.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

const HOST = '127.0.0.1';

/** First and last arrival (epoch ms) and packet count of one SSRC. */
export type ArrivalStats = { firstMs: number; lastMs: number; packets: number };

export class RtpFanout {
  readonly #socket: Socket;
  readonly #ports = new Map<number, number[]>();
  readonly #arrivals = new Map<number, ArrivalStats>();
  #isClosed = false;

  constructor() {
    this.#socket = createSocket('udp4');
    // Nothing listening yet (ffmpeg starting) is not an error worth more than a dropped packet.
    this.#socket.on('error', () => undefined);
  }

  /** Sends `ssrc`'s packets to `port` too. */
  route(ssrc: number, port: number): void {
    const ports = this.#ports.get(ssrc);
    if (ports === undefined) this.#ports.set(ssrc, [port]);
    else if (!ports.includes(port)) ports.push(port);
  }

  /** Stops sending `ssrc`'s packets to `port`. */
  unroute(ssrc: number, port: number): void {
    const ports = this.#ports.get(ssrc);
    const i = ports?.indexOf(port) ?? -1;
    if (ports !== undefined && i >= 0) ports.splice(i, 1);
  }

  /** One RTP packet (header + payload, decrypted). */
  send(ssrc: number, packet: Buffer, nowMs: number): void {
    if (this.#isClosed) return;
    const ports = this.#ports.get(ssrc);
    if (ports === undefined) return;
    const a = this.#arrivals.get(ssrc);
    if (a === undefined) this.#arrivals.set(ssrc, { firstMs: nowMs, lastMs: nowMs, packets: 1 });
    else {
      a.lastMs = nowMs;
      a.packets++;
    }
    for (let i = 0; i < ports.length; i++) this.#socket.send(packet, ports[i] as number, HOST);
  }

  arrivals(ssrc: number): ArrivalStats | undefined {
    return this.#arrivals.get(ssrc);
  }

  /** Stops forwarding (ffmpeg is told to finish separately). */
  close(): Promise<void> {
    if (this.#isClosed) return Promise.resolve();
    this.#isClosed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
