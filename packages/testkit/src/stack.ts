// The whole control path in one process (style C17, L2): our XMPP server on free loopback ports,
// the real focus and N real bridges connected to it as XEP-0114 components, each bridge behind a
// ColibriTap so tests can see what it allocated. startStack() resolves once every bridge sits in
// the brewery and the focus counts it as usable, so a test can start a conference at once.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { TypedEmitter } from '@plenum/kit';
import { freeUdpPort } from '@plenum/kit/node';
import type { RunningBridge } from '@plenum/bridge';
import { startBridge } from '@plenum/bridge';
import type { RunningFocus } from '@plenum/focus';
import { startFocus } from '@plenum/focus';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { MemoryUserStore, startXmppServer } from '@plenum/xmpp/server';
import { ColibriTap } from './colibri-tap.ts';

const HOST = '127.0.0.1';

/** Config values, nested like a JSON config file. */
export type ConfigValues = Record<string, unknown>;

/** What {@link startStack} starts; every field has a default. */
export type StackOptions = {
  /** Real bridges to start (default 1). */
  readonly bridges?: number;
  /** Focus config values over the stack's (component host/port/secret, silent log). */
  readonly focus?: ConfigValues;
  /** XMPP server config values over the stack's (free loopback ports, silent log, the component secrets). */
  readonly server?: ConfigValues;
  /** Config values of bridge `i` (0-based, `bridges[i]`) over the stack's. */
  readonly bridgeValues?: (i: number) => ConfigValues;
  /** How long each part may take to come up (default 10000). */
  readonly startupTimeoutMs?: number;
};

/** A running stack. */
export type RunningStack = {
  readonly server: RunningXmppServer;
  /** The server's accounts (none at start); add users for PLAIN logins. */
  readonly users: MemoryUserStore;
  readonly focus: RunningFocus;
  /** `bridges[i]` has id `i+1`: domain `jvb-<i+1>.bridge.plenum.localhost`, brewery nick `jvb-<i+1>`. */
  readonly bridges: RunningBridge[];
  /** `colibri[i]`: the COLIBRI2 traffic of `bridges[i]` as seen on its component connection. */
  readonly colibri: ColibriTap[];
  /** The component secrets the server was given (random per stack). */
  readonly secrets: { readonly focus: string; readonly bridges: string };
  /** Starts one more bridge (values as bridgeValues) and waits until the focus can use it. */
  addBridge(values?: ConfigValues): Promise<RunningBridge>;
  /** The tap of a bridge of this stack. */
  tapOf(bridge: RunningBridge): ColibriTap;
  /** The UDP port a bridge of this stack was configured to advertise (`public.udpPort`; distinct per bridge). */
  udpPortOf(bridge: RunningBridge): number;
  /** Closes the focus (its conferences expire on the bridges), the bridges, the taps and the server. Idempotent. */
  close(): Promise<void>;
};

/** Deep merge of config values; arrays and scalars of `b` replace those of `a`. */
export function mergeValues(a: ConfigValues, b: ConfigValues): ConfigValues {
  const out: ConfigValues = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(v) && isObject(prev) ? mergeValues(prev, v) : v;
  }
  return out;
}

const isObject = (v: unknown): v is ConfigValues => typeof v === 'object' && v !== null && !Array.isArray(v);


/**
 * Resolves with the arguments of the first `event` for which `match` holds, or fails after
 * `timeoutMs`. Check the current state before calling, events that already happened are not replayed.
 */
export function nextEvent<E extends { [K in keyof E]: unknown[] }, K extends keyof E>(
  emitter: TypedEmitter<E>, event: K, match: (...args: E[K]) => boolean = () => true, timeoutMs = 5000,
): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(event)}`));
    }, timeoutMs);
    const off = emitter.on(event, (...args) => {
      if (!match(...args)) return;
      off();
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/**
 * Polls `check` until it holds or `timeoutMs` passed, for state that has no event of its own (what a
 * stats snapshot says). Prefer {@link nextEvent} when there is an event.
 */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `GET /colibri/stats` of a bridge: what an operator's monitoring reads (no keep-alive connection stays behind). */
export function bridgeHttpStats(bridge: Pick<RunningBridge, 'httpPort'>): Promise<Record<string, number | boolean | string>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: HOST, port: bridge.httpPort, path: '/colibri/stats', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET /colibri/stats: HTTP ${res.statusCode}`));
        else resolve(JSON.parse(body) as Record<string, number | boolean | string>);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once the bridge is in the brewery (it publishes `healthy` only then). */
export async function bridgeInBrewery(bridge: RunningBridge, timeoutMs = 10_000): Promise<void> {
  // Checking and subscribing happen in one synchronous step: no event can slip in between.
  if (bridge.isHealthy()) return;
  await nextEvent(bridge.events, 'breweryJoined', () => true, timeoutMs);
}

/** Resolves once the focus lists the bridge (brewery nick) as usable. */
export async function focusUsesBridge(focus: RunningFocus, nick: string, timeoutMs = 10_000): Promise<void> {
  if (focus.stats().bridges.some((b) => b.id === nick && b.usable)) return;
  await nextEvent(focus.focus.bridges.events, 'bridgeUp', (id) => id === nick, timeoutMs);
}

/** Starts the server, the focus and the bridges; see {@link StackOptions}. */
export async function startStack(opts: StackOptions = {}): Promise<RunningStack> {
  const timeoutMs = opts.startupTimeoutMs ?? 10_000;
  const secrets = { focus: randomBytes(12).toString('hex'), bridges: randomBytes(12).toString('hex') };
  const users = new MemoryUserStore();
  const server = await startXmppServer({
    users,
    values: mergeValues({
      tcp: { port: 0, host: HOST }, http: { port: 0, host: HOST },
      components: { port: 0, host: HOST, secrets: [`focus.plenum.localhost=${secrets.focus}`, `*.bridge.plenum.localhost=${secrets.bridges}`] },
      tls: { requireForPlain: false },
      log: { level: 'silent' },
    }, opts.server ?? {}),
  });
  const bridges: RunningBridge[] = [];
  const colibri: ColibriTap[] = [];
  const udpPorts: number[] = [];
  let focus: RunningFocus | undefined;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => (closing ??= (async () => {
    // The focus first: it ends its conferences, which expires them on the still-running bridges.
    await focus?.close();
    await Promise.all(bridges.map((b) => b.close()));
    await Promise.all(colibri.map((t) => t.close()));
    await server.close();
  })());

  const addBridge = async (values: ConfigValues = {}): Promise<RunningBridge> => {
    if (focus === undefined || closing !== undefined) throw new Error('the stack is not running');
    const index = bridges.length;
    let udpPort = await freeUdpPort();
    while (udpPorts.includes(udpPort)) udpPort = await freeUdpPort();
    const tap = await ColibriTap.start({ host: HOST, port: server.componentPort });
    const merged = mergeValues({
      id: String(index + 1),
      xmpp: { host: HOST, port: tap.port, secret: secrets.bridges, reconnectDelayMs: 100 },
      http: { host: HOST, port: 0 },
      public: { address: HOST, udpPort },
      // Fast stats so tests see load changes within a fraction of a second (Jitsi: 5 s).
      statsIntervalMs: 200,
      log: { level: 'silent' },
    }, values);
    let bridge: RunningBridge;
    try {
      bridge = await startBridge({ values: merged });
    } catch (error) {
      await tap.close();
      throw error;
    }
    const configured = (merged.public as ConfigValues | undefined)?.udpPort;
    // bridges[i], colibri[i] and udpPorts[i] belong together.
    bridges.push(bridge);
    colibri.push(tap);
    udpPorts.push(typeof configured === 'number' ? configured : udpPort);
    await Promise.all([bridgeInBrewery(bridge, timeoutMs), focusUsesBridge(focus, bridge.nickname, timeoutMs)]);
    return bridge;
  };

  try {
    focus = await startFocus({
      values: mergeValues({
        component: { host: HOST, port: server.componentPort, secret: secrets.focus },
        log: { level: 'silent' },
      }, opts.focus ?? {}),
    });
    for (let i = 0; i < (opts.bridges ?? 1); i++) await addBridge(opts.bridgeValues?.(i) ?? {});
  } catch (error) {
    await close();
    throw error;
  }
  const running = focus;
  return {
    server, users, focus: running, bridges, colibri, secrets, addBridge, close,
    tapOf(bridge) {
      const tap = colibri[bridges.indexOf(bridge)];
      if (tap === undefined) throw new Error(`bridge ${bridge.id} is not part of this stack`);
      return tap;
    },
    udpPortOf(bridge) {
      const port = udpPorts[bridges.indexOf(bridge)];
      if (port === undefined) throw new Error(`bridge ${bridge.id} is not part of this stack`);
      return port;
    },
  };
}

/**
 * Style C17 leak check: waits (up to `timeoutMs`) until `process.getActiveResourcesInfo()` has no
 * more resources of any kind than `baseline` (taken before the stack started), and fails with the
 * surplus otherwise.
 */
export async function assertNoLeakedHandles(baseline: readonly string[], timeoutMs = 2000): Promise<void> {
  const count = (xs: readonly string[]): Map<string, number> => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const base = count(baseline);
  const surplus = (): string[] => [...count(process.getActiveResourcesInfo())]
    .filter(([kind, n]) => n > (base.get(kind) ?? 0)).map(([kind, n]) => `${kind} ×${n - (base.get(kind) ?? 0)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Checked once the wait's own timer has fired, so it never counts against itself.
    await new Promise((r) => setTimeout(r, 5));
    const left = surplus();
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`resources left after close: ${left.join(', ')}`);
  }
}
