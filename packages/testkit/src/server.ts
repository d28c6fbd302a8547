import type { RunningXmppServer, StartOptions } from '@plenum/xmpp/server';
import { startXmppServer } from '@plenum/xmpp/server';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends readonly unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Config values every test server shares: free ports on loopback, no logs, no user file. */
export const TEST_COMPONENT_SECRET = 'test-secret';

/** Starts a server on free loopback ports; `values` override the config like a JSON file would. */
export function startTestServer(values: Record<string, unknown> = {}, opts: Omit<StartOptions, 'values'> = {}): Promise<RunningXmppServer> {
  const base = {
    tcp: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    components: { port: 0, host: '127.0.0.1', secrets: [`focus.plenum.localhost=${TEST_COMPONENT_SECRET}`, `component.plenum.localhost=${TEST_COMPONENT_SECRET}`, `*.bridge.plenum.localhost=${TEST_COMPONENT_SECRET}`] },
    log: { level: 'silent' },
    auth: { usersFile: '/nonexistent/plenum-test-users.json' },
  };
  return startXmppServer({ ...opts, values: merge(base, values) });
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
      ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

export type { DeepPartial };
