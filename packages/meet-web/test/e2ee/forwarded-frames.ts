// What the bridge forwarded to a werift participant, as E2EE frames by sender: VP8 frames put back
// together from their packets and Opus packets (one frame each), with the kind the receiver's
// transform gives them (frame-crypto.ts), in arrival order. Senders are named by endpoint id, from
// the sources the focus announced to the werift participant.
import type { MediaParticipant } from '@plenum/testkit/media-participant';
import type { FrameKind } from '@plenum/e2ee';
import type { CapturedRtp } from './ciphertext-analysis.ts';
import { isVp8KeyFrame, vp8FramesBySsrc } from './ciphertext-analysis.ts';

export type ForwardedFrame = { readonly kind: FrameKind; readonly data: Uint8Array<ArrayBuffer> };

/** Who sends each SSRC, from the focus's offer to the werift participant (senders in the room before it). */
export function ssrcOwners(werift: MediaParticipant): Map<number, string> {
  const owners = new Map<number, string>();
  for (const c of werift.offer.contents) for (const src of c.description?.sources ?? []) if (src.owner !== undefined) owners.set(src.ssrc, src.owner.slice(src.owner.lastIndexOf('/') + 1));
  for (const [owner, eps] of Object.entries(werift.offer.jsonSources ?? {})) for (const src of [...eps.audio, ...eps.video]) owners.set(src.ssrc, owner);
  return owners;
}

/** The frames in `packets` by sender (SSRCs nobody owns are left out). */
export function forwardedFrames(werift: MediaParticipant, packets: readonly CapturedRtp[], owners: ReadonlyMap<number, string>): Map<string, ForwardedFrame[]> {
  const out = new Map<string, ForwardedFrame[]>();
  const add = (ssrc: number, frame: ForwardedFrame): void => {
    const owner = owners.get(ssrc);
    if (owner === undefined) return;
    const list = out.get(owner) ?? [];
    list.push(frame);
    out.set(owner, list);
  };
  const { vp8PayloadType, opusPayloadType } = werift.negotiated;
  for (const [ssrc, frames] of vp8FramesBySsrc(packets, vp8PayloadType)) {
    for (const f of frames) add(ssrc, { kind: isVp8KeyFrame(f) ? 'video-key' : 'video-delta', data: f.slice() });
  }
  for (const p of packets) {
    if (p.header.payloadType === opusPayloadType && p.payload.length > 0) add(p.header.ssrc, { kind: 'audio', data: new Uint8Array(p.payload) });
  }
  return out;
}

/** Video and audio frames of one sender. */
export function countsOf(frames: readonly ForwardedFrame[] | undefined): { readonly video: number; readonly audio: number } {
  const audio = (frames ?? []).filter((f) => f.kind === 'audio').length;
  return { video: (frames ?? []).length - audio, audio };
}
