// The recorder's end-to-end decryption: between the werift leg and everything that reads media
// (key frame detection, the composer feed, the track writers, the stream pusher), so all of them
// see plaintext. Browsers encrypt whole encoded frames (JFrame, @plenum/e2ee frame-crypto); the
// bridge forwards them packetized as usual.
//
// While the room's E2EE is on:
// - Opus: one frame per packet; the payload is decrypted and the packet rebuilt around it, with the
//   sender's sequence number (a dropped packet leaves a gap ffmpeg sees as loss).
// - VP8: a frame is collected from its packets (vp8-frame-assembler.ts), decrypted and packetized
//   again (vp8-rtp.ts) with sequence numbers of our own, contiguous except one skipped after a
//   loss or a dropped frame, so ffmpeg sees the loss.
// - Fail-closed: a frame with a packet missing, of an unknown sender, without its sender's key or
//   failing authentication is dropped and counted; nothing undecrypted goes on.
// Decryption is async (WebCrypto): each source's packets go through one promise chain, in order.
// While E2EE is off, packets pass unchanged and synchronously (a video that was decrypted before
// keeps our numbering: its sequence numbers are shifted in place).
import type { Logger } from '@plenum/kit';
import type { DropReason, FrameKeys } from '@plenum/e2ee';
import { DROP_REASONS } from '@plenum/e2ee';
import { Vp8FrameAssembler } from './vp8-frame-assembler.ts';
import { RTP_HEADER_BYTES, packetizeVp8Frame } from './vp8-rtp.ts';

/** Why a frame was dropped: the decryption's reasons, a packet of it never came, or decryption fell too far behind. */
export type E2eeDropReason = DropReason | 'incomplete' | 'backlog';

/** Packets of one source waiting for decryption at most (~5 s of a camera): past it, packets are dropped, not queued without bound. */
export const MAX_PENDING_PACKETS = 1000;

export type E2eeFrameCounts = {
  readonly decrypted: number;
  readonly dropped: Readonly<Record<E2eeDropReason, number>>;
};

export type E2eeRtpDecryptorDeps = {
  readonly log: Logger;
  readonly keys: Pick<FrameKeys, 'decrypt'>;
  /** Who sends on `ssrc`, and what (undefined: nobody the recorder knows). */
  sourceOf(ssrc: number): { readonly owner: string; readonly media: 'audio' | 'video' } | undefined;
  /** The room's E2EE is on now. */
  isOn(): boolean;
  /** A plaintext packet for the rest of the recorder; `payload` is its RTP payload. */
  deliver(ssrc: number, packet: Buffer, payload: Buffer): void;
  /** A video frame was dropped: the stream is broken until the sender's next key frame. */
  videoDropped?(ssrc: number): void;
};

class SourceStage {
  chain: Promise<void> = Promise.resolve();
  /** Packets in the chain (while any are, later ones queue behind them, E2EE on or off). */
  pending = 0;
  /** The last packet handled was E2EE's (on); false: it passed as is. */
  isDecrypting = false;
  /** Added to the sender's sequence numbers on the plain path (video after decryption: our numbering goes on). */
  seqOffset = 0;
  /** Video: the sequence number of our next packet. */
  nextSeq = 0;
  /** Video: a frame was dropped since our last packet. */
  isGapDue = false;
  readonly assembler: Vp8FrameAssembler | undefined;

  constructor(readonly media: 'audio' | 'video') {
    this.assembler = media === 'video' ? new Vp8FrameAssembler() : undefined;
  }
}

export class E2eeRtpDecryptor {
  readonly #deps: E2eeRtpDecryptorDeps;
  readonly #sources = new Map<number, SourceStage>();
  #decrypted = 0;
  readonly #dropped: Record<E2eeDropReason, number> = { 'too-short': 0, 'bad-trailer': 0, 'no-key': 0, 'auth-failed': 0, incomplete: 0, backlog: 0 };
  #isClosed = false;

  constructor(deps: E2eeRtpDecryptorDeps) {
    this.#deps = deps;
  }

  /** One RTP packet from the bridge (`payload`: its payload, without padding). */
  push(ssrc: number, packet: Buffer, payload: Buffer): void {
    if (this.#isClosed) return;
    const isOn = this.#deps.isOn();
    let s = this.#sources.get(ssrc);
    if (s === undefined) {
      const source = this.#deps.sourceOf(ssrc);
      if (source === undefined) {
        // Nobody's SSRC: nothing reads it while off, and there is no key for it while on.
        if (!isOn) this.#deps.deliver(ssrc, packet, payload);
        return;
      }
      s = new SourceStage(source.media);
      this.#sources.set(ssrc, s);
    }
    if (!isOn && s.pending === 0 && !s.isDecrypting) {
      this.#passPlain(s, ssrc, packet, payload);
      return;
    }
    if (s.pending >= MAX_PENDING_PACKETS) {
      this.#dropped.backlog++;
      return;
    }
    const stage = s;
    stage.pending++;
    stage.chain = stage.chain.then(() => this.#handle(stage, ssrc, packet, payload, isOn))
      // A bug here must not stop the source's chain (its later packets would never come out).
      .catch((error: unknown) => this.#deps.log.error('e2ee packet failed', { err: error }));
  }

  /** Frames decrypted and dropped so far. */
  get counts(): E2eeFrameCounts {
    return { decrypted: this.#decrypted, dropped: { ...this.#dropped } };
  }

  get framesDropped(): number {
    return DROP_REASONS.reduce((n, r) => n + this.#dropped[r], this.#dropped.incomplete + this.#dropped.backlog);
  }

  /** Resolves once every packet pushed so far was handled. */
  async settled(): Promise<void> {
    await Promise.all([...this.#sources.values()].map((s) => s.chain));
  }

  /** Delivers nothing more (packets still being decrypted are dropped). */
  close(): void {
    this.#isClosed = true;
  }

  #passPlain(s: SourceStage, ssrc: number, packet: Buffer, payload: Buffer): void {
    if (s.seqOffset !== 0) packet.writeUInt16BE((packet.readUInt16BE(2) + s.seqOffset) & 0xffff, 2);
    this.#deps.deliver(ssrc, packet, payload);
  }

  async #handle(s: SourceStage, ssrc: number, packet: Buffer, payload: Buffer, isOn: boolean): Promise<void> {
    try {
      if (this.#isClosed || packet.length < RTP_HEADER_BYTES) return;
      const seq = packet.readUInt16BE(2);
      if (!isOn) {
        if (s.isDecrypting) {
          // E2EE went off: the sender's numbering goes on after ours, one skipped for the frame cut short.
          s.isDecrypting = false;
          if (s.media === 'video') s.seqOffset = (s.nextSeq + 1 - seq) & 0xffff;
          s.assembler?.reset();
        }
        this.#passPlain(s, ssrc, packet, payload);
        return;
      }
      if (!s.isDecrypting) {
        s.isDecrypting = true;
        s.nextSeq = (seq + s.seqOffset) & 0xffff;
      }
      const owner = this.#deps.sourceOf(ssrc)?.owner;
      if (s.media === 'audio') await this.#audio(ssrc, owner, packet, payload);
      else await this.#video(s, ssrc, owner, seq, packet, payload);
    } finally {
      s.pending--;
    }
  }

  async #audio(ssrc: number, owner: string | undefined, packet: Buffer, payload: Buffer): Promise<void> {
    // An empty frame carries nothing to hide (the browser's transform passes it too).
    if (payload.length === 0) {
      this.#deps.deliver(ssrc, packet, payload);
      return;
    }
    if (owner === undefined) {
      this.#dropped['no-key']++;
      return;
    }
    const result = await this.#deps.keys.decrypt(owner, new Uint8Array(payload).buffer, 'audio');
    if (this.#isClosed) return;
    if (!result.ok) {
      this.#dropped[result.reason]++;
      return;
    }
    this.#decrypted++;
    const plain = new Uint8Array(result.data);
    const out = Buffer.allocUnsafe(RTP_HEADER_BYTES + plain.length);
    // The sender's header without CSRCs, extensions or padding (ffmpeg reads none of them).
    out[0] = 0x80;
    packet.copy(out, 1, 1, RTP_HEADER_BYTES);
    out.set(plain, RTP_HEADER_BYTES);
    this.#deps.deliver(ssrc, out, out.subarray(RTP_HEADER_BYTES));
  }

  async #video(s: SourceStage, ssrc: number, owner: string | undefined, seq: number, packet: Buffer, payload: Buffer): Promise<void> {
    const assembler = s.assembler as Vp8FrameAssembler;
    const { frame, dropped } = assembler.push(seq, packet.readUInt32BE(4), ((packet[1] as number) & 0x80) !== 0, (packet[1] as number) & 0x7f, payload);
    if (dropped > 0) this.#dropVideo(s, ssrc, 'incomplete', dropped);
    if (frame === undefined) return;
    if (owner === undefined) {
      this.#dropVideo(s, ssrc, 'no-key', 1);
      return;
    }
    const result = await this.#deps.keys.decrypt(owner, frame.data.buffer, frame.isKeyFrame ? 'video-key' : 'video-delta');
    if (this.#isClosed) return;
    if (!result.ok) {
      this.#dropVideo(s, ssrc, result.reason, 1);
      return;
    }
    this.#decrypted++;
    const firstSeq = (s.nextSeq + (frame.lossBefore || s.isGapDue ? 1 : 0)) & 0xffff;
    s.isGapDue = false;
    const packets = packetizeVp8Frame(new Uint8Array(result.data), frame.descriptor, { payloadType: frame.payloadType, firstSeq, timestamp: frame.timestamp, ssrc });
    s.nextSeq = (firstSeq + packets.length) & 0xffff;
    for (const p of packets) this.#deps.deliver(ssrc, p, p.subarray(RTP_HEADER_BYTES));
  }

  #dropVideo(s: SourceStage, ssrc: number, reason: E2eeDropReason, frames: number): void {
    this.#dropped[reason] += frames;
    s.isGapDue = true;
    this.#deps.videoDropped?.(ssrc);
  }
}
