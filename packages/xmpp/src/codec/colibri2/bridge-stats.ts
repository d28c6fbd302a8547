// A bridge's load report in its brewery presence, `<stats xmlns="http://jitsi.org/protocol/colibri">
// <stat name value/>…</stats>` (protocols.md §4; jitsi-xmpp-extensions ColibriStatsExtension), and
// the health-check IQ namespace jicofo uses to poll bridges.
import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el } from '../xml/element.ts';
import type { BridgeStats } from './colibri2-types.ts';
import type { Colibri2Error } from './colibri2-error.ts';
import { COLIBRI2_LIMITS, colibri2Fail } from './colibri2-error.ts';
import { checkCount, opt } from './internal/read.ts';

/** Namespace of brewery `<stats>` (old COLIBRI's, kept by JVB for presence). */
export const NS_COLIBRI_STATS = 'http://jitsi.org/protocol/colibri';
/** `<healthcheck xmlns=…/>`: the IQ get jicofo sends a bridge every 10 s; an empty result means healthy. */
export const NS_HEALTHCHECK = 'http://jitsi.org/protocol/healthcheck';

/** Stat names with a typed field, in the order encodeBridgeStats writes them. */
const TYPED = [
  'stress_level', 'average_participant_stress', 'conferences', 'participants', 'endpoints', 'region', 'relay_id',
  'version', 'release', 'drain', 'graceful_shutdown', 'shutting_down', 'healthy',
] as const;
const TYPED_SET: ReadonlySet<string> = new Set(TYPED);

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const COUNT = /^\d{1,9}$/;

function decimal(raw: Readonly<Record<string, string>>, key: string): Result<number | undefined, Colibri2Error> {
  const v = raw[key];
  if (v === undefined) return ok(undefined);
  const n = DECIMAL.test(v) ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? ok(n) : colibri2Fail('colibri2/bad-stat', `${key} must be a non-negative number`);
}

function count(raw: Readonly<Record<string, string>>, key: string): Result<number | undefined, Colibri2Error> {
  const v = raw[key];
  if (v === undefined) return ok(undefined);
  return COUNT.test(v) ? ok(Number(v)) : colibri2Fail('colibri2/bad-stat', `${key} must be a non-negative integer`);
}

// Java's Boolean.parseBoolean, which jicofo uses, is case-insensitive; anything but true/false is refused here.
function flag(raw: Readonly<Record<string, string>>, key: string, absent: boolean): Result<boolean, Colibri2Error> {
  const v = raw[key]?.toLowerCase();
  if (v === undefined) return ok(absent);
  if (v === 'true' || v === 'false') return ok(v === 'true');
  return colibri2Fail('colibri2/bad-stat', `${key} must be true or false`);
}

/**
 * Reads the `<stats>` child of a brewery presence; never throws. `stress_level` is required; absent
 * flags read as false except `healthy` (jicofo assumes healthy until told otherwise); `raw` keeps
 * every stat as published.
 */
export function decodeBridgeStats(stats: El): Result<BridgeStats, Colibri2Error> {
  if (stats.name !== 'stats' || stats.attrs.xmlns !== NS_COLIBRI_STATS) {
    return colibri2Fail('colibri2/unexpected-element', `expected {${NS_COLIBRI_STATS}}stats`);
  }
  const n = checkCount(stats, 'stat', COLIBRI2_LIMITS.stats);
  if (!n.ok) return n;
  const raw: Record<string, string> = {};
  for (const c of stats.children) {
    if (typeof c === 'string' || c.name !== 'stat') continue;
    const { name, value } = c.attrs;
    if (name === undefined || name === '') return colibri2Fail('colibri2/bad-stat', '<stat> needs a name');
    if (Object.hasOwn(raw, name)) return colibri2Fail('colibri2/bad-stat', `stat ${name} appears twice`);
    raw[name] = value ?? '';
  }
  const stressLevel = decimal(raw, 'stress_level');
  if (!stressLevel.ok) return stressLevel;
  if (stressLevel.value === undefined) return colibri2Fail('colibri2/bad-stat', 'stress_level is missing');
  const averageParticipantStress = decimal(raw, 'average_participant_stress');
  if (!averageParticipantStress.ok) return averageParticipantStress;
  const counts: Record<'conferences' | 'participants' | 'endpoints', number | undefined> = { conferences: undefined, participants: undefined, endpoints: undefined };
  for (const key of ['conferences', 'participants', 'endpoints'] as const) {
    const r = count(raw, key);
    if (!r.ok) return r;
    counts[key] = r.value;
  }
  const flags = { drain: false, graceful_shutdown: false, shutting_down: false, healthy: true };
  for (const key of ['drain', 'graceful_shutdown', 'shutting_down', 'healthy'] as const) {
    const r = flag(raw, key, key === 'healthy');
    if (!r.ok) return r;
    flags[key] = r.value;
  }
  return ok({
    stressLevel: stressLevel.value,
    ...opt('averageParticipantStress', averageParticipantStress.value),
    ...opt('region', raw.region), ...opt('relayId', raw.relay_id), ...opt('version', raw.version), ...opt('release', raw.release),
    gracefulShutdown: flags.graceful_shutdown, shuttingDown: flags.shutting_down, drain: flags.drain, healthy: flags.healthy,
    ...opt('conferences', counts.conferences), ...opt('participants', counts.participants), ...opt('endpoints', counts.endpoints),
    raw,
  });
}

/** Writes `<stats>`: the typed fields first, then every `raw` entry that has no typed field. */
export function encodeBridgeStats(s: BridgeStats): El {
  const typed: Record<(typeof TYPED)[number], string | number | boolean | undefined> = {
    stress_level: s.stressLevel, average_participant_stress: s.averageParticipantStress, conferences: s.conferences,
    participants: s.participants, endpoints: s.endpoints, region: s.region, relay_id: s.relayId, version: s.version,
    release: s.release, drain: s.drain, graceful_shutdown: s.gracefulShutdown, shutting_down: s.shuttingDown, healthy: s.healthy,
  };
  return el('stats', { xmlns: NS_COLIBRI_STATS },
    TYPED.map((name) => (typed[name] === undefined ? undefined : el('stat', { name, value: typed[name] }))),
    Object.entries(s.raw).filter(([name]) => !TYPED_SET.has(name)).map(([name, value]) => el('stat', { name, value })));
}
