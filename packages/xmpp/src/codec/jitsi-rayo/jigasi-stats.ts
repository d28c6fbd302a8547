// A SIP gateway's presence in the jigasi brewery: `<stats xmlns="http://jitsi.org/protocol/colibri">
// <stat name value/>…</stats>` with supports_sip, supports_transcription, graceful_shutdown,
// participants and region (protocols.md §7). Bridge stats need stress_level, which Jigasi does not
// send, so the gateway's report has its own small codec.
import type { Result } from '@plenum/kit';
import { err, ok } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { child, el } from '../xml/element.ts';
import type { JigasiStats, RayoCodecError } from './rayo-types.ts';

const NS_STATS = 'http://jitsi.org/protocol/colibri';
const MAX_STATS = 64;
const COUNT = /^\d{1,9}$/;

/** Reads the `<stats>` child of a brewery presence; undefined when there is none. Never throws. */
export function decodeJigasiStats(presence: El): Result<JigasiStats | undefined, RayoCodecError> {
  const stats = child(presence, 'stats', NS_STATS);
  if (stats === undefined) return ok(undefined);
  const raw = new Map<string, string>();
  for (const c of stats.children) {
    if (typeof c === 'string' || c.name !== 'stat') continue;
    if (raw.size >= MAX_STATS) return err({ code: 'rayo/too-large', text: `more than ${MAX_STATS} stats` });
    const name = c.attrs.name;
    if (name === undefined || name === '') return err({ code: 'rayo/bad-attribute', text: '<stat> needs a name' });
    raw.set(name, c.attrs.value ?? '');
  }
  const flags: Record<'supports_sip' | 'supports_transcription' | 'graceful_shutdown', boolean> = { supports_sip: false, supports_transcription: false, graceful_shutdown: false };
  for (const key of ['supports_sip', 'supports_transcription', 'graceful_shutdown'] as const) {
    const v = raw.get(key)?.toLowerCase();
    if (v === undefined) continue;
    if (v !== 'true' && v !== 'false') return err({ code: 'rayo/bad-attribute', text: `${key} must be true or false` });
    flags[key] = v === 'true';
  }
  const p = raw.get('participants') ?? '0';
  if (!COUNT.test(p)) return err({ code: 'rayo/bad-attribute', text: 'participants must be a non-negative integer' });
  const region = raw.get('region');
  return ok({
    supportsSip: flags.supports_sip, supportsTranscription: flags.supports_transcription, gracefulShutdown: flags.graceful_shutdown,
    participants: Number(p), ...(region !== undefined && region !== '' ? { region } : {}),
  });
}

/** Writes the gateway's `<stats>` for its brewery presence. */
export function encodeJigasiStats(s: JigasiStats): El {
  const stat = (name: string, value: string | number | boolean | undefined): El | undefined => (value === undefined ? undefined : el('stat', { name, value }));
  return el('stats', { xmlns: NS_STATS },
    stat('supports_sip', s.supportsSip), stat('supports_transcription', s.supportsTranscription),
    stat('graceful_shutdown', s.gracefulShutdown), stat('participants', s.participants), stat('region', s.region));
}
