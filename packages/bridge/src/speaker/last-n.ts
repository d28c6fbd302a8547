// Last-N (protocols.md §5; JVB's allocation "prioritize" step): which video sources each receiver of
// a conference gets, before bandwidth is considered, and what that means for each sender.
//
// Per receiver, the other endpoints' sources are ordered: on-stage sources, then selected ones (in
// the order the receiver gave), then the rest by speech activity (the dominant speaker's first, then
// earlier speakers, then everyone else in join order; an endpoint's sources in signalling order).
// Sources whose video type is `none` (not being sent) and sources the receiver constrained to
// maxHeight 0 are skipped and not counted; the first `lastN` of the rest (all when lastN is −1) are
// forwarded. The same ordering is what routing/layer-selector.ts allocates bandwidth over.
//
// SenderSourceConstraints: each source's maxHeight is the largest effective maxHeight among the
// receivers forwarding it (−1 if any of them is unlimited; 0 when nobody forwards it, so the sender
// can stop encoding it).
//
// Pure: `stepForwarding(previous, input)` returns the new state and only what changed, for the
// caller to send as ForwardedSources / SenderSourceConstraints.
import type { ReceiverVideoSettings, BridgeVideoType } from '@plenum/xmpp/codec';
import { effectiveVideoConstraints } from '@plenum/xmpp/codec';

/** A video source as last-N sees it. */
export type VideoSource = { readonly name: string; readonly videoType: BridgeVideoType };

/** One endpoint of the conference with what it sends and what it wants. */
export type ForwardingEndpoint = {
  readonly id: string;
  /** Its video sources, in signalling order. */
  readonly videoSources: readonly VideoSource[];
  /** What it wants to receive. */
  readonly settings: ReceiverVideoSettings;
};

/** One conference's inputs: endpoints in join order, and the speech-activity order. */
export type ForwardingInput = {
  readonly endpoints: readonly ForwardingEndpoint[];
  /** Dominant speaker first, then earlier dominant speakers; ids not in `endpoints` are ignored. */
  readonly speakerOrder: readonly string[];
};

/** What was decided last time, per conference. */
export type ForwardingState = {
  /** Receiver → forwarded source names, in priority order. */
  readonly forwarded: ReadonlyMap<string, readonly string[]>;
  /** Source name → the maxHeight its sender was last told. */
  readonly senderMaxHeight: ReadonlyMap<string, number>;
};

/** Nothing decided yet. */
export const EMPTY_FORWARDING: ForwardingState = { forwarded: new Map(), senderMaxHeight: new Map() };

/** The result of one step: the new state and the messages to send. */
export type ForwardingStep = {
  readonly state: ForwardingState;
  /** Receivers whose forwarded set changed (or who are new), with the new list; a mere reordering is no change. */
  readonly forwardedChanged: readonly { readonly receiver: string; readonly sources: readonly string[] }[];
  /** Sources whose sender constraint changed (or that are new), for their owner. */
  readonly senderChanged: readonly { readonly owner: string; readonly sourceName: string; readonly maxHeight: number }[];
};

/** All endpoint ids, speakers first (most recent first), then the others in join order. */
export function orderBySpeech(endpointIds: readonly string[], speakerOrder: readonly string[]): string[] {
  const present = new Set(endpointIds);
  const speakers = speakerOrder.filter((id) => present.has(id));
  const spoke = new Set(speakers);
  return [...speakers, ...endpointIds.filter((id) => !spoke.has(id))];
}

/** The sources `receiver` gets, in priority order. */
export function selectForwardedSources(receiver: ForwardingEndpoint, input: ForwardingInput): string[] {
  const { settings } = receiver;
  const owned = new Map<string, VideoSource>();
  const byOwner = new Map(input.endpoints.map((e) => [e.id, e]));
  const ordered: string[] = [];
  for (const id of orderBySpeech([...byOwner.keys()], input.speakerOrder)) {
    if (id === receiver.id) continue;
    for (const s of byOwner.get(id)?.videoSources ?? []) {
      owned.set(s.name, s);
      ordered.push(s.name);
    }
  }
  const seen = new Set<string>();
  const priority: string[] = [];
  for (const name of [...settings.onStageSources, ...settings.selectedSources, ...ordered]) {
    if (seen.has(name) || !owned.has(name)) continue;
    seen.add(name);
    priority.push(name);
  }
  const forwarded: string[] = [];
  for (const name of priority) {
    if (settings.lastN >= 0 && forwarded.length >= settings.lastN) break;
    if (owned.get(name)?.videoType === 'none') continue;
    if (effectiveVideoConstraints(settings, name).maxHeight === 0) continue;
    forwarded.push(name);
  }
  return forwarded;
}

/** ForwardedSources is a set: a new order alone is not worth a message. */
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** Combines two maxHeights where −1 is unlimited. */
const higher = (a: number, b: number): number => (a === -1 || b === -1 ? -1 : Math.max(a, b));

/**
 * Recomputes one conference and reports what changed since `previous`. With `only`, just those
 * receivers' selections are recomputed and the others' reused (valid when nothing but those
 * receivers' settings changed: a constraints message costs one receiver, not the whole conference).
 */
export function stepForwarding(previous: ForwardingState, input: ForwardingInput, only?: ReadonlySet<string>): ForwardingStep {
  const forwarded = new Map<string, readonly string[]>();
  const forwardedChanged: { receiver: string; sources: readonly string[] }[] = [];
  const maxHeight = new Map<string, number>();
  const owners = new Map<string, string>();
  for (const e of input.endpoints) {
    for (const s of e.videoSources) {
      maxHeight.set(s.name, 0);
      owners.set(s.name, e.id);
    }
  }
  for (const receiver of input.endpoints) {
    const before = previous.forwarded.get(receiver.id);
    const sources = only === undefined || only.has(receiver.id) || before === undefined ? selectForwardedSources(receiver, input) : before;
    forwarded.set(receiver.id, sources);
    if (before === undefined || !sameSet(before, sources)) forwardedChanged.push({ receiver: receiver.id, sources });
    for (const name of sources) maxHeight.set(name, higher(maxHeight.get(name) ?? 0, effectiveVideoConstraints(receiver.settings, name).maxHeight));
  }
  const senderChanged: { owner: string; sourceName: string; maxHeight: number }[] = [];
  for (const [sourceName, height] of maxHeight) {
    const owner = owners.get(sourceName);
    if (owner !== undefined && previous.senderMaxHeight.get(sourceName) !== height) senderChanged.push({ owner, sourceName, maxHeight: height });
  }
  return { state: { forwarded, senderMaxHeight: maxHeight }, forwardedChanged, senderChanged };
}
