// Which encodings (simulcast layers) of a video sender run, and switching them for real.
//
// Stopping: `replaceTrack(null)` is enough in Chromium, but Firefox keeps sending on a trackless
// video sender (about one RTP packet a second, measured in the Firefox e2e test), so media that
// moved to the peer-to-peer path would still trickle into the bridge. Marking every encoding
// inactive stops RTP in both browsers without renegotiating.
//
// Layers nobody watches: the bridge tells each sender, per source, the tallest picture any receiver
// of it wants (`SenderSourceConstraints`, protocols.md §5; −1 no limit, 0 nobody forwards it). A
// layer taller than that is encoded for nothing, so it is switched off: in a tile view of small
// tiles the 720p layer, about three quarters of the camera's encoding work and most of its upload,
// and the whole camera while someone is alone in the meeting.

/** The part of RTCRtpSender this needs (a test can stand in for it). */
export type ParameterizedSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

/** What a sender should send: whether it has a track, and the bridge's constraint for its source. */
export type SendingWish = {
  readonly hasTrack: boolean;
  /** The bridge's last `maxHeight` for this source; undefined before any (everything runs). */
  readonly maxHeight: number | undefined;
  /** The shorter side of the track's picture (the height of a landscape camera); undefined if unknown. */
  readonly trackShortSide: number | undefined;
};

/**
 * Which of the encodings to keep on. Legacy (SIM-group) simulcast lists its layers smallest first,
 * each half the size of the next, unless the browser states `scaleResolutionDownBy`. A layer runs
 * when it is no taller than anyone watches; when every layer is taller, the smallest runs.
 */
export function activeEncodings(encodings: readonly Pick<RTCRtpEncodingParameters, 'scaleResolutionDownBy'>[], wish: SendingWish): boolean[] {
  const n = encodings.length;
  const all = (on: boolean): boolean[] => encodings.map(() => on);
  if (!wish.hasTrack || wish.maxHeight === 0) return all(false);
  if (wish.maxHeight === undefined || wish.maxHeight < 0 || wish.trackShortSide === undefined || n <= 1) return all(true);
  const heights = encodings.map((e, i) => (wish.trackShortSide as number) / (e.scaleResolutionDownBy ?? 2 ** (n - 1 - i)));
  const active = heights.map((h) => h <= (wish.maxHeight as number) + 0.5);
  if (!active.includes(true)) active[heights.indexOf(Math.min(...heights))] = true;
  return active;
}

/** Sets each encoding's `active` as asked (`true`/`false`: all of them); does nothing when they already are. */
export async function setSenderEncodings(sender: ParameterizedSender, active: boolean | readonly boolean[]): Promise<void> {
  const params = sender.getParameters();
  const wanted = (i: number): boolean => (typeof active === 'boolean' ? active : active[i] ?? true);
  if (params.encodings.length === 0 || params.encodings.every((e, i) => (e.active ?? true) === wanted(i))) return;
  params.encodings.forEach((e, i) => { e.active = wanted(i); });
  await sender.setParameters(params);
}
