// Load generator for bench:sip, in a process of its own so its CPU is neither the gateway's nor the
// stack's: the 4 (or --talkers) werift participants of each conference named in argv[2]'s JSON
// ({ port, rooms, talkersPerConference }), each replaying pre-encoded Opus speech (the gateway's own
// prompts) every 20 ms. "ready" on stdout once all are connected, "failed <why>" and exit 1
// otherwise; SIGTERM closes them. The talkers are deaf: what the bridge forwards to them is dropped
// before decryption (nobody listens, and decrypting 3 other talkers' audio per talker was what
// saturated the generator), and they send without werift's RTP sender: each packet is written into
// a buffer of the talker's own (its SSRC, the Opus payload type, the RFC 6464 level) and encrypted
// with @plenum/srtp's node:crypto path. Neither changes what the bridge or the gateway get. Each
// packet carries the RFC 6464 level of the frame it holds, as a browser's does (the prompts'
// pauses between words and sentences are at -80 to -90 dBov, a quarter to a third of the frames);
// `constantLevel` in the job sends -40 dBov on every packet instead (the workload before the
// gateway read levels).
import { SrtpAuthenticationError } from 'werift';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import type { WeriftSrtpAdapter } from '@plenum/srtp';
import { useNodeCryptoSrtp } from '@plenum/srtp';
import { OpusFrameEncoder } from '../../packages/sip-gateway/src/media/opus-codec.ts';
import { audioLevelByte, audioLevelOf } from '../../packages/sip-gateway/src/conference/audio-level.ts';
import { loadPrompts } from '../../packages/sip-gateway/src/media/prompt-player.ts';

type Job = { readonly port: number; readonly rooms: readonly string[]; readonly talkersPerConference: number; readonly constantLevel?: boolean };
const job = JSON.parse(process.argv[2] ?? '{}') as Job;

/** A prompt as Opus frames, each with the RFC 6464 byte of its PCM. */
type Speech = { readonly frames: Buffer[]; readonly levels: Uint8Array };

function opusSpeech(voice: Int16Array): Speech {
  const encoder = new OpusFrameEncoder();
  const frames: Buffer[] = [];
  const levels: number[] = [];
  for (let at = 0; at + 960 <= voice.length; at += 960) {
    const pcm = voice.subarray(at, at + 960);
    frames.push(Buffer.from(encoder.encode(pcm)));
    levels.push(job.constantLevel === true ? 0x80 | 40 : audioLevelByte(audioLevelOf(pcm)));
  }
  return { frames, levels: Uint8Array.from(levels) };
}
const speech = [...loadPrompts().values()].map(opusSpeech);

/** Thrown for every inbound packet: the one error werift's receive loop drops a packet on; made once. */
const DEAF = new SrtpAuthenticationError('the talker does not listen');

/** One talker: its SRTP (once DTLS is up), its packet buffer and its speech. */
class Talker {
  readonly #packet = Buffer.alloc(1500);
  readonly #headerBytes: number;
  #srtp: WeriftSrtpAdapter | undefined;
  #seq = 0;

  constructor(readonly p: MediaParticipant, private readonly speech: Speech) {
    const levelId = p.negotiated.audioLevelId;
    const packet = this.#packet;
    packet[0] = levelId === undefined ? 0x80 : 0x90;
    packet[1] = p.negotiated.opusPayloadType;
    packet.writeUInt32BE(p.audioSsrc >>> 0, 8);
    this.#headerBytes = 12;
    if (levelId !== undefined) {
      // RFC 8285 one-byte extension: one element, the RFC 6464 level (written per packet).
      packet.writeUInt32BE(0xbede0001, 12);
      packet[16] = levelId << 4;
      this.#headerBytes = 20;
    }
  }

  /** Switches the participant to node:crypto SRTP and stops it decrypting what it is sent. */
  deafen(): Promise<void> {
    return useNodeCryptoSrtp(this.p.dtls).then((adapter) => {
      adapter.decrypt = (): Buffer => {
        throw DEAF;
      };
      this.#srtp = adapter;
    });
  }

  sendFrame(frame: number): void {
    const srtp = this.#srtp;
    if (srtp === undefined) return;
    const at = frame % this.speech.frames.length;
    const payload = this.speech.frames[at]!;
    const packet = this.#packet;
    if (this.#headerBytes > 12) packet[17] = this.speech.levels[at]!;
    const seq = this.#seq++;
    packet.writeUInt16BE(seq & 0xffff, 2);
    packet.writeUInt32BE((960 * seq) >>> 0, 4);
    payload.copy(packet, this.#headerBytes);
    const encrypted = srtp.session.protect(packet, this.#headerBytes + payload.length);
    if (encrypted !== undefined) this.p.dtls.iceTransport.connection.send(encrypted).catch(() => undefined);
  }
}

const talkers: Talker[] = [];
let frame = 0;
const timer = setInterval(() => {
  const f = frame++;
  for (const t of talkers) t.sendFrame(f);
}, 20);

async function joinRoom(room: string): Promise<void> {
  const joined = await Promise.allSettled(Array.from({ length: job.talkersPerConference }, () => MediaParticipant.join({ port: job.port, room, timeoutMs: 60_000 })));
  const ok = joined.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const fresh = ok.map((p, i) => new Talker(p, speech[(talkers.length + i) % speech.length]!));
  // Keep whatever joined (closed on SIGTERM) before reporting a failure.
  talkers.push(...fresh);
  // connected() bounds the wait: SRTP starts with DTLS, or the talker failed.
  const connected = await Promise.allSettled(fresh.map((t) => Promise.all([t.p.connected(60_000), t.deafen()])));
  if (ok.length < joined.length || connected.some((r) => r.status === 'rejected')) throw new Error(`a talker of ${room} could not join or connect`);
}

async function close(): Promise<void> {
  clearInterval(timer);
  await Promise.all(talkers.map((t) => t.p.close().catch(() => undefined)));
}

process.once('SIGTERM', () => void close().finally(() => process.exit(0)));
try {
  // One room at a time: the focus and bridge see the same ramp as with one generator.
  for (const room of job.rooms) await joinRoom(room);
  process.stdout.write('ready\n');
} catch (error) {
  process.stdout.write(`failed ${error instanceof Error ? error.message : String(error)}\n`);
  await close();
  process.exit(1);
}
