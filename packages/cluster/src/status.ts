// `plenum status`: what the deployment is doing, from the focus's status endpoint (GET /stats: the
// bridges as the focus sees them in the brewery, the conferences with their bridge and participant
// count, the SIP gateways and recorders in their breweries) and, when given, the bridges' own
// GET /colibri/stats. Rendered as tables, or JSON.

/** One bridge in the status. */
export type BridgeStatus = {
  readonly id: string;
  readonly region: string | null;
  /** Reported stress_level (0..1). */
  readonly stress: number;
  /** Endpoints the bridge reports (all focuses together). */
  readonly endpoints: number;
  readonly conferences: number;
  readonly healthy: boolean;
  readonly draining: boolean;
  readonly gracefulShutdown: boolean;
  /** The bridge's own /colibri/stats, when its URL was given. */
  readonly own?: Readonly<Record<string, unknown>>;
};

/** One conference in the status. */
export type ConferenceStatus = { readonly room: string; readonly bridge: string | null; readonly participants: number };

/** One SIP gateway of the jigasi brewery. */
export type GatewayStatus = { readonly id: string; readonly region: string | null; readonly calls: number; readonly gracefulShutdown: boolean };

/** One recorder of the jibri brewery. */
export type RecorderStatus = { readonly id: string; readonly busy: boolean; readonly healthy: boolean };

/** What `plenum status --json` prints. */
export type ClusterStatus = {
  readonly bridges: readonly BridgeStatus[];
  readonly conferences: readonly ConferenceStatus[];
  readonly sipGateways: readonly GatewayStatus[];
  readonly recorders: readonly RecorderStatus[];
};

type FocusBridge = {
  id: string; region?: string; stress: number; reportedEndpoints?: number; endpoints: number; conferences?: number;
  healthy?: boolean; usable: boolean; draining?: boolean; gracefulShutdown?: boolean;
};

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** Reads the focus's /stats and each bridge's /colibri/stats (bridge URLs are the HTTP bases, e.g. http://127.0.0.1:8089). */
export async function fetchStatus(focusUrl: string, bridgeUrls: readonly string[] = []): Promise<ClusterStatus> {
  const focus = await getJson(`${focusUrl.replace(/\/$/, '')}/stats`) as {
    bridges?: FocusBridge[]; conferences?: ConferenceStatus[]; sipGateways?: GatewayStatus[]; recorders?: RecorderStatus[];
  };
  if (!Array.isArray(focus.bridges) || !Array.isArray(focus.conferences)) throw new Error(`${focusUrl}/stats is not a Plenum focus status`);
  const own = new Map<string, Record<string, unknown>>();
  for (const url of bridgeUrls) {
    const stats = await getJson(`${url.replace(/\/$/, '')}/colibri/stats`) as Record<string, unknown>;
    // The brewery nick is jvb-<id>; /colibri/stats does not carry the id, so the URL order decides for unnamed ones.
    const id = typeof stats.id === 'string' ? `jvb-${stats.id}` : url;
    own.set(id, stats);
  }
  const bridges = focus.bridges.map((b): BridgeStatus => ({
    id: b.id, region: b.region ?? null, stress: b.stress, endpoints: b.reportedEndpoints ?? b.endpoints, conferences: b.conferences ?? 0,
    healthy: b.healthy ?? b.usable, draining: b.draining ?? false, gracefulShutdown: b.gracefulShutdown ?? false,
    ...(own.has(b.id) ? { own: own.get(b.id) as Record<string, unknown> } : {}),
  })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const conferences = [...focus.conferences].sort((a, b) => (a.room < b.room ? -1 : 1));
  const byId = <T extends { readonly id: string }>(list: readonly T[] | undefined): T[] => [...(list ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
  // A focus from before gateways and recorders were listed has neither key: empty lists.
  return { bridges, conferences, sipGateways: byId(focus.sipGateways), recorders: byId(focus.recorders) };
}

/** The status as aligned text tables. */
export function renderStatus(s: ClusterStatus): string {
  const state = (b: BridgeStatus): string => (!b.healthy ? 'unhealthy' : b.gracefulShutdown ? 'graceful-shutdown' : b.draining ? 'draining' : 'healthy');
  const bridges = table(['BRIDGE', 'REGION', 'STRESS', 'ENDPOINTS', 'CONFERENCES', 'STATE'],
    s.bridges.map((b) => [b.id, b.region ?? '-', b.stress.toFixed(2), String(b.endpoints), String(b.conferences), state(b)]));
  const conferences = table(['ROOM', 'BRIDGE', 'PARTICIPANTS'], s.conferences.map((c) => [c.room, c.bridge ?? '(none)', String(c.participants)]));
  const gateways = table(['SIP GATEWAY', 'REGION', 'CALLS', 'STATE'],
    s.sipGateways.map((g) => [g.id, g.region ?? '-', String(g.calls), g.gracefulShutdown ? 'graceful-shutdown' : 'ready']));
  const recorders = table(['RECORDER', 'STATE'], s.recorders.map((r) => [r.id, !r.healthy ? 'unhealthy' : r.busy ? 'busy' : 'idle']));
  return `${bridges}\n\n${conferences}\n\n${gateways}\n\n${recorders}\n`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), ...rows.map(line), ...(rows.length === 0 ? ['(none)'] : [])].join('\n');
}
