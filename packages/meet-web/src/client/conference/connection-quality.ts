// The connection-quality indicator of each tile, from WebRTC statistics the browser already keeps:
// remote participants by the loss on the packets we receive from them, ourselves by the loss the
// bridge (or peer) reports on what we send. Sampled every few seconds; pure classification here.
import type { ConnectionQuality } from '../conference-api.ts';

/** Packet counters of one direction at one moment. */
export type PacketSample = { readonly received: number; readonly lost: number };

/** Loss below this is good, below `FAIR_LOSS` fair, anything above poor (WebRTC video degrades visibly past ~5–10 %). */
const GOOD_LOSS = 0.02;
const FAIR_LOSS = 0.08;

/** Quality over the interval between two samples; unknown when nothing was expected in it. */
export function qualityBetween(before: PacketSample | undefined, now: PacketSample): ConnectionQuality {
  if (before === undefined) return 'unknown';
  const received = Math.max(0, now.received - before.received);
  const lost = Math.max(0, now.lost - before.lost);
  const expected = received + lost;
  if (expected === 0) return 'unknown';
  return qualityOfLoss(lost / expected);
}

/** Quality from a loss fraction (0…1), as RTCP receiver reports give it for what we send. */
export function qualityOfLoss(fraction: number): ConnectionQuality {
  if (!Number.isFinite(fraction) || fraction < 0) return 'unknown';
  return fraction < GOOD_LOSS ? 'good' : fraction < FAIR_LOSS ? 'fair' : 'poor';
}

/**
 * Reads receive counters per track id (inbound-rtp, by the receiver it belongs to) and the worst
 * loss reported on what we send (remote-inbound-rtp `fractionLost`).
 */
export async function sampleConnection(pc: RTCPeerConnection): Promise<{ byTrack: Map<string, PacketSample>; sendLoss: number | undefined }> {
  const byTrack = new Map<string, PacketSample>();
  for (const receiver of pc.getReceivers()) {
    let received = 0;
    let lost = 0;
    (await receiver.getStats()).forEach((r: { type: string; packetsReceived?: number; packetsLost?: number }) => {
      if (r.type !== 'inbound-rtp') return;
      received += r.packetsReceived ?? 0;
      lost += r.packetsLost ?? 0;
    });
    byTrack.set(receiver.track.id, { received, lost });
  }
  let sendLoss: number | undefined;
  (await pc.getStats()).forEach((r: { type: string; fractionLost?: number }) => {
    if (r.type === 'remote-inbound-rtp' && r.fractionLost !== undefined) sendLoss = Math.max(sendLoss ?? 0, r.fractionLost);
  });
  return { byTrack, sendLoss };
}
