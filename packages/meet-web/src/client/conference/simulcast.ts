// Simulcast towards the bridge as Jitsi's web client sends it (protocols.md §12): the browser's
// answer has one camera SSRC (+ its RTX); we add two more layers and their RTX SSRCs with an
// `a=ssrc-group:SIM` before setLocalDescription. Chromium honours SIM groups munged into a local
// description ("legacy simulcast"); unified plan gives no other way for the answerer to send
// simulcast, since the bridge's offer carries no a=simulcast/rid.
import type { Sdp, SdpLine, SdpMedia } from '@plenum/xmpp/codec';
import { parseSdp, sdpLinesOf, sdpMediaMid, writeSdp } from '@plenum/xmpp/codec';

/** The extra SSRCs of one sending m-line, chosen once and kept for the session (renegotiations must not change them). */
export type SimulcastSsrcs = { readonly layers: readonly number[]; readonly rtx: readonly number[] };

const LAYERS = 3;

function randomSsrc(taken: Set<number>): number {
  for (;;) {
    const v = crypto.getRandomValues(new Uint32Array(1))[0] as number;
    if (v !== 0 && !taken.has(v)) {
      taken.add(v);
      return v;
    }
  }
}

/**
 * Rewrites the m-line `mid` of a local description to send 3 simulcast layers. `previous` keeps
 * the SSRCs of an earlier call; returns the SDP unchanged when the section has no single send SSRC
 * (not sending, or already munged).
 */
export function addSimulcastLayers(sdpText: string, mid: string, previous: SimulcastSsrcs | undefined): { sdp: string; ssrcs: SimulcastSsrcs | undefined } {
  const parsed = parseSdp(sdpText);
  if (!parsed.ok) return { sdp: sdpText, ssrcs: previous };
  const sdp: Sdp = parsed.value;
  const index = sdp.media.findIndex((m) => sdpMediaMid(m) === mid);
  const m = sdp.media[index];
  if (m === undefined) return { sdp: sdpText, ssrcs: previous };
  const groups = sdpLinesOf(m.lines, 'ssrc-group');
  if (groups.some((g) => g.semantics === 'SIM')) return { sdp: sdpText, ssrcs: previous };
  const ssrcLines = sdpLinesOf(m.lines, 'ssrc');
  const all = [...new Set(ssrcLines.map((l) => l.ssrc))];
  const fid = groups.find((g) => g.semantics === 'FID');
  const primary = fid?.ssrcs[0] ?? all[0];
  if (primary === undefined || all.length > 2) return { sdp: sdpText, ssrcs: previous };
  const primaryRtx = fid?.ssrcs[1];
  const taken = new Set(all);
  const ssrcs: SimulcastSsrcs = previous ?? {
    layers: Array.from({ length: LAYERS - 1 }, () => randomSsrc(taken)),
    rtx: primaryRtx !== undefined ? Array.from({ length: LAYERS - 1 }, () => randomSsrc(taken)) : [],
  };
  // Every new SSRC repeats the primary's attributes (cname, msid).
  const attrs = ssrcLines.filter((l) => l.ssrc === primary);
  const linesFor = (ssrc: number): SdpLine[] => attrs.map((l) => ({ ...l, ssrc }));
  const extraSsrcLines: SdpLine[] = [];
  const extraGroups: SdpLine[] = [{ kind: 'ssrc-group', semantics: 'SIM', ssrcs: [primary, ...ssrcs.layers] }];
  ssrcs.layers.forEach((layer, i) => {
    extraSsrcLines.push(...linesFor(layer));
    const rtx = ssrcs.rtx[i];
    if (rtx !== undefined) {
      extraSsrcLines.push(...linesFor(rtx));
      extraGroups.push({ kind: 'ssrc-group', semantics: 'FID', ssrcs: [layer, rtx] });
    }
  });
  // Groups first (Chromium reads them before the SSRC attributes, as lib-jitsi-meet writes them).
  const withoutGroups = m.lines.filter((l) => l.kind !== 'ssrc-group');
  const firstSsrc = withoutGroups.findIndex((l) => l.kind === 'ssrc');
  const lines: SdpLine[] = [...withoutGroups];
  lines.splice(firstSsrc === -1 ? lines.length : firstSsrc, 0, ...extraGroups.slice(0, 1), ...groups, ...extraGroups.slice(1));
  lines.push(...extraSsrcLines);
  const media: SdpMedia[] = sdp.media.map((x, i) => (i === index ? { ...x, lines } : x));
  return { sdp: writeSdp({ ...sdp, media }), ssrcs };
}
