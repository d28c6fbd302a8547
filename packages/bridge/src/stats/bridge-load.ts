// The load report a bridge publishes in its brewery presence and on GET /colibri/stats
// (protocols.md §4). Stress comes from stats/stress-meter.ts: the largest of packet rate / capacity,
// process CPU / threshold and endpoints / maxEndpoints (0 idle, 1 at capacity; the focus treats
// ≥ 0.8 as overloaded). average_participant_stress is what one endpoint currently costs, which
// jicofo uses to correct for endpoints it placed since the last report. The terms are published too
// (packet_rate, cpu_usage, stress_*), so an operator sees which resource is running out.
import type { BridgeStats } from '@plenum/xmpp/codec';
import type { StressReading } from './stress-meter.ts';

/** What the stats are computed from. */
export type LoadInputs = {
  readonly conferences: number;
  readonly endpoints: number;
  readonly largestConference: number;
  readonly conferencesCreated: number;
  readonly endpointsCreated: number;
  readonly stress: StressReading;
  readonly version: string;
  readonly region: string | undefined;
  readonly relayId: string | undefined;
  readonly drain: boolean;
  readonly gracefulShutdown: boolean;
  readonly shuttingDown: boolean;
  readonly healthy: boolean;
};

/** The typed stats (the brewery `<stats>` is encodeBridgeStats of this). */
export function computeBridgeStats(i: LoadInputs): BridgeStats {
  return {
    stressLevel: i.stress.stressLevel,
    averageParticipantStress: i.stress.averageParticipantStress,
    conferences: i.conferences,
    participants: i.endpoints,
    endpoints: i.endpoints,
    ...(i.region !== undefined ? { region: i.region } : {}),
    ...(i.relayId !== undefined ? { relayId: i.relayId } : {}),
    version: i.version,
    drain: i.drain,
    gracefulShutdown: i.gracefulShutdown,
    shuttingDown: i.shuttingDown,
    healthy: i.healthy,
    raw: {
      largest_conference: String(i.largestConference),
      total_conferences_created: String(i.conferencesCreated),
      total_participants: String(i.endpointsCreated),
      packet_rate: String(Math.round(i.stress.packetRate)),
      cpu_usage: String(i.stress.cpuUsage),
      stress_packet_rate: String(i.stress.packetRateStress),
      stress_cpu: String(i.stress.cpuStress),
      stress_endpoints: String(i.stress.endpointStress),
    },
  };
}

/** The same stats as JVB's flat JSON (`GET /colibri/stats`): stat name → number, boolean or string. */
export function statsJson(s: BridgeStats): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = { stress_level: s.stressLevel };
  if (s.averageParticipantStress !== undefined) out.average_participant_stress = s.averageParticipantStress;
  if (s.conferences !== undefined) out.conferences = s.conferences;
  if (s.participants !== undefined) out.participants = s.participants;
  if (s.endpoints !== undefined) out.endpoints = s.endpoints;
  if (s.region !== undefined) out.region = s.region;
  if (s.relayId !== undefined) out.relay_id = s.relayId;
  if (s.version !== undefined) out.version = s.version;
  if (s.release !== undefined) out.release = s.release;
  out.drain = s.drain;
  out.graceful_shutdown = s.gracefulShutdown;
  out.shutting_down = s.shuttingDown;
  out.healthy = s.healthy;
  for (const [k, v] of Object.entries(s.raw)) if (!(k in out)) out[k] = /^\d+(\.\d+)?(e-?\d+)?$/.test(v) ? Number(v) : v;
  return out;
}
