// A receiver's video settings as the bridge holds them, and the partial-update semantics of
// ReceiverVideoConstraints (protocols.md §5; JVB AllocationSettingsWrapper): a field the message
// omits leaves the current value unchanged; a field it carries replaces the value whole (lists and
// the per-source map are not merged). Inside one constraints object a missing field means
// unlimited (−1). Defaults: lastN −1 (unlimited), defaultConstraints maxHeight 180. maxHeight 0 =
// don't send that source. Pure; shared by the bridge and the web client.
import type { ReceiverVideoConstraints, VideoConstraints } from './bridge-channel-types.ts';

/** Constraints with every field set: −1 = unlimited; maxHeight 0 = don't send. */
export type ResolvedVideoConstraints = { readonly maxHeight: number; readonly maxFrameRate: number };

/** Everything the bridge knows about what one receiver wants to see. */
export type ReceiverVideoSettings = {
  /** How many video sources to forward; −1 = no limit. */
  readonly lastN: number;
  /** Sources the receiver selected (e.g. pinned): forwarded before the others. */
  readonly selectedSources: readonly string[];
  /** Sources shown large: forwarded first. */
  readonly onStageSources: readonly string[];
  /** Constraints of every source without its own entry. */
  readonly defaultConstraints: ResolvedVideoConstraints;
  /** Per-source constraints (a Map, so no source name can collide with an object's prototype). */
  readonly constraints: ReadonlyMap<string, ResolvedVideoConstraints>;
  /** The receiver's own bandwidth assumption, when it sent one. */
  readonly assumedBandwidthBps: number | undefined;
};

/** JVB's thumbnail height: what a receiver gets of a source it said nothing about. */
export const DEFAULT_MAX_HEIGHT = 180;

/** The settings of a receiver that has sent nothing yet. */
export const DEFAULT_RECEIVER_VIDEO_SETTINGS: ReceiverVideoSettings = {
  lastN: -1,
  selectedSources: [],
  onStageSources: [],
  defaultConstraints: { maxHeight: DEFAULT_MAX_HEIGHT, maxFrameRate: -1 },
  constraints: new Map(),
  assumedBandwidthBps: undefined,
};

/** A wire constraints object with its missing fields filled in as unlimited. */
export function resolveVideoConstraints(c: VideoConstraints): ResolvedVideoConstraints {
  return { maxHeight: c.maxHeight ?? -1, maxFrameRate: c.maxFrameRate ?? -1 };
}

/** What applies to one source: its own entry, else the default. */
export function effectiveVideoConstraints(settings: ReceiverVideoSettings, sourceName: string): ResolvedVideoConstraints {
  return settings.constraints.get(sourceName) ?? settings.defaultConstraints;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameConstraints = (a: ResolvedVideoConstraints, b: ResolvedVideoConstraints): boolean =>
  a.maxHeight === b.maxHeight && a.maxFrameRate === b.maxFrameRate;
function sameMap(a: ReadonlyMap<string, ResolvedVideoConstraints>, b: ReadonlyMap<string, ResolvedVideoConstraints>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !sameConstraints(v, w)) return false;
  }
  return true;
}

/** The fields of a ReceiverVideoConstraints message (LastNChangedEvent is `{ lastN }`). */
export type ReceiverVideoConstraintsUpdate = Omit<ReceiverVideoConstraints, 'colibriClass'>;

/**
 * Applies one ReceiverVideoConstraints (or LastNChangedEvent) to the current settings. Returns
 * `current` itself when nothing changed, so callers can skip recomputing forwarding.
 */
export function applyReceiverVideoConstraints(current: ReceiverVideoSettings, update: ReceiverVideoConstraintsUpdate): ReceiverVideoSettings {
  const next: ReceiverVideoSettings = {
    lastN: update.lastN ?? current.lastN,
    selectedSources: update.selectedSources ?? current.selectedSources,
    onStageSources: update.onStageSources ?? current.onStageSources,
    defaultConstraints: update.defaultConstraints !== undefined ? resolveVideoConstraints(update.defaultConstraints) : current.defaultConstraints,
    constraints: update.constraints !== undefined
      ? new Map(Object.entries(update.constraints).map(([name, c]) => [name, resolveVideoConstraints(c)]))
      : current.constraints,
    assumedBandwidthBps: update.assumedBandwidthBps ?? current.assumedBandwidthBps,
  };
  const unchanged = next.lastN === current.lastN && sameList(next.selectedSources, current.selectedSources)
    && sameList(next.onStageSources, current.onStageSources) && sameConstraints(next.defaultConstraints, current.defaultConstraints)
    && sameMap(next.constraints, current.constraints) && next.assumedBandwidthBps === current.assumedBandwidthBps;
  return unchanged ? current : next;
}
