// Stopping a sender for real. `replaceTrack(null)` is enough in Chromium, but Firefox keeps
// sending on a trackless video sender (about one RTP packet a second, measured in the Firefox e2e
// test), so media that moved to the peer-to-peer path would still trickle into the bridge. Marking
// every encoding inactive stops RTP in both browsers without renegotiating.

/** The part of RTCRtpSender this needs (a test can stand in for it). */
export type ParameterizedSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

/** Turns all of the sender's encodings on or off; does nothing when they already are. */
export async function setSenderActive(sender: ParameterizedSender, active: boolean): Promise<void> {
  const params = sender.getParameters();
  if (params.encodings.length === 0 || params.encodings.every((e) => (e.active ?? true) === active)) return;
  for (const e of params.encodings) e.active = active;
  await sender.setParameters(params);
}
