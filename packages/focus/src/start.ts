// Builds and starts the focus from its configuration: the XEP-0114 connection, COLIBRI2 over it, the
// token verifier, the Focus itself. Used by main.ts, the all-in-one process and the tests.
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import { silentLogger, systemClock } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import { createPinoLogger } from '@plenum/kit/node';
import type { FocusConfig } from './config.ts';
import { loadFocusConfig } from './config.ts';
import type { Ids, TokenVerifier } from './ports.ts';
import { ColibriBridgeControl } from './bridge-client/colibri-bridge-control.ts';
import { ComponentConnection } from '@plenum/xmpp/component';
import type { FocusSettings, FocusStats } from './focus.ts';
import { Focus } from './focus.ts';
import type { StatusServer } from './http/status-server.ts';
import { focusStatus, startStatusServer } from './http/status-server.ts';
import { RedisStateStore } from './state/redis-state-store.ts';
import { RedisPinStore } from './dial/redis-pin-store.ts';
import type { PinDirectory } from './dial/pin-directory.ts';

/** How to start a focus. */
export type StartFocusOptions = ConfigSources & {
  /** A ready configuration; when absent one is loaded from `values`, `file` and `env`. */
  readonly config?: FocusConfig;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly ids?: Ids;
  /**
   * Verifies conference-request tokens. Required when `auth.jwt.enabled`: build it with
   * tokenVerifierFrom(new JwtVerifier(…)) from the XMPP server's JWT settings.
   */
  readonly tokenVerifier?: TokenVerifier;
  /**
   * Gives up waiting (with `redis.url` a focus waits as a standby until the active instance's
   * XMPP connection is gone): the connection closes and startFocus rejects.
   */
  readonly signal?: AbortSignal;
};

/** A running focus. */
export type RunningFocus = {
  readonly focus: Focus;
  readonly config: FocusConfig;
  stats(): FocusStats;
  /** The port of the status endpoint (`http.enabled`), else undefined. */
  readonly httpPort: number | undefined;
  /** Ends every conference, leaves the brewery, closes the XMPP connection; idempotent. */
  close(): Promise<void>;
};

/** Random ids: UUIDs (Jingle sid, bridge-session id, stanza ids). */
export const randomIds: Ids = { next: () => randomUUID() };

/** The focus's plain settings, derived from its configuration. */
export function focusSettings(c: FocusConfig): FocusSettings {
  return {
    breweryJid: c.bridges.breweryJid,
    discoTimeoutMs: c.jingle.discoTimeoutMs,
    ...(c.recording.enabled ? { recording: { breweryJid: c.recording.breweryJid, requestTimeoutMs: c.recording.requestTimeoutMs } } : {}),
    ...(c.dialOut.enabled ? { dialOut: { breweryJid: c.dialOut.breweryJid, requestTimeoutMs: c.dialOut.requestTimeoutMs, retries: c.dialOut.retries } } : {}),
    ...(c.dialIn.enabled ? {
      dialIn: {
        pinDigits: c.dialIn.pinDigits, trustedServiceDomains: c.moderation.trustedServiceDomains,
        pinLookupsPerSecond: c.dialIn.pinLookupsPerSecond, pinLookupBurst: c.dialIn.pinLookupBurst,
        roomLookupsPerSecond: c.dialIn.roomLookupsPerSecond, roomLookupBurst: c.dialIn.roomLookupBurst,
        requestTimeoutMs: c.dialOut.requestTimeoutMs,
      },
    } : {}),
    bridges: {
      healthTimeoutMs: c.bridges.healthTimeoutMs,
      failureResetMs: c.bridges.failureResetMs,
      participantRampupMs: c.bridges.participantRampupMs,
      defaultAverageParticipantStress: c.bridges.averageParticipantStressPermille / 1000,
    },
    bridgeHealthCheck: { intervalMs: c.bridges.healthCheckIntervalMs, timeoutMs: c.bridges.healthCheckTimeoutMs, retries: c.bridges.healthCheckRetries },
    manager: {
      mucDomain: c.mucDomain,
      focusDomain: c.component.domain,
      maxConferences: c.limits.maxConferences,
      requireAuthenticationToStart: c.auth.requireAuthenticationToStart,
    },
    conference: {
      focusJid: `${c.component.domain}/${c.component.nick}`,
      focusNick: c.component.nick,
      identityDomains: { main: c.domain, guest: c.guestDomain },
      moderatorPolicy: c.moderation.policy === 'auto-owner'
        ? { kind: 'auto-owner' }
        : { kind: 'authenticated', jwtModeratorClaim: c.moderation.jwtModeratorClaim },
      trustedServiceDomains: c.moderation.trustedServiceDomains,
      maxParticipants: c.limits.maxParticipantsPerConference,
      maxParticipantsPerBridge: c.bridges.maxParticipantsPerBridge,
      participantRampupMs: c.bridges.participantRampupMs,
      stressThreshold: c.bridges.stressThreshold / 100,
      sourceLimits: { maxSsrcs: c.limits.maxSsrcsPerEndpoint, maxGroups: c.limits.maxGroupsPerEndpoint },
      jingleTimeoutMs: c.jingle.requestTimeoutMs,
      sourceSignalingDelayMs: c.jingle.sourceSignalingDelayMs,
      restartLimits: { minIntervalMs: c.jingle.restartMinIntervalMs, perMinute: c.jingle.restartsPerMinute },
      offerOpusRed: c.jingle.offerOpusRed,
      bridgeRequestTimeoutMs: c.bridges.requestTimeoutMs,
      emptyTimeoutMs: c.limits.emptyConferenceTimeoutMs,
      joinRatePerSecond: c.limits.joinRatePerSecond,
      joinBurst: c.limits.joinBurst,
    },
  };
}

/** Connects to the XMPP server as the focus component and starts serving conferences. */
export async function startFocus(opts: StartFocusOptions = {}): Promise<RunningFocus> {
  const config = opts.config ?? loadFocusConfig(opts);
  if (config.component.secret === '') throw new Error('component.secret (PLENUM_FOCUS_COMPONENT_SECRET) is required');
  if (config.auth.jwt.enabled && opts.tokenVerifier === undefined) {
    throw new Error('auth.jwt.enabled needs a token verifier: pass tokenVerifier (tokenVerifierFrom(new JwtVerifier(…)))');
  }
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'focus' }));
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const store = config.redis.url === undefined ? undefined : await connectStateStore(config, log);
  // Active/standby (README "Several focus instances"): the XMPP server accepts one connection per
  // component domain, so a second instance is refused (`conflict`) and keeps retrying, briefly
  // spaced, until the active one's connection is gone; then it takes over the leased conferences.
  const connection = new ComponentConnection({
    log: store === undefined ? log.child({ part: 'xmpp' }) : standbyLog(log.child({ part: 'xmpp' })), clock, ids,
    options: {
      host: config.component.host, port: config.component.port, domain: config.component.domain,
      secret: config.component.secret,
      reconnectMaxDelayMs: store === undefined ? config.component.reconnectMaxDelayMs : Math.min(config.component.reconnectMaxDelayMs, STANDBY_RETRY_MAX_MS),
      retryAfterRefusal: store !== undefined,
    },
  });
  const settings = focusSettings(config);
  // With shared state the PINs are shared too: any focus instance answers them.
  const pinStore = store === undefined || !config.dialIn.enabled ? undefined : new RedisPinStore({
    log: log.child({ part: 'redis-pins' }),
    options: { url: config.redis.url as string, keyPrefix: config.redis.keyPrefix, commandTimeoutMs: config.redis.commandTimeoutMs },
  });
  // Like the state store: an unreachable Redis is not fatal (PIN lookups fail until it is back).
  await pinStore?.connected(REDIS_START_WAIT_MS).catch((error: unknown) => log.warn('redis not reachable at start: no dial-in pins until it is', { err: (error as Error).message }));
  const instanceId = config.instanceId ?? randomUUID();
  const focus = new Focus({
    log, clock, ids, channel: connection,
    ...(store !== undefined ? { state: { store, settings: { instanceId, leaseMs: config.redis.leaseMs } } } : {}),
    bridgeControl: new ColibriBridgeControl({ channel: connection, log: log.child({ part: 'colibri' }), from: settings.conference.focusJid }),
    tokenVerifier: opts.tokenVerifier,
    settings,
    pinStore,
  });
  connection.events.on('stanza', (s) => focus.handleStanza(s));
  connection.events.on('online', () => focus.online());
  connection.events.on('offline', () => focus.offline());
  let status: StatusServer | undefined;
  const startStatus = async (): Promise<void> => {
    if (!config.http.enabled) return;
    try {
      // Healthy = the active instance (connected as the component); a standby answers 500.
      status = await startStatusServer({
        host: config.http.host, port: config.http.port, status: () => focusStatus(focus, clock.now()), isHealthy: () => connection.isOnline,
        ...(focus.pins !== undefined ? { dialInCode: (room: string) => (focus.pins as PinDirectory).pinForHttp(room) } : {}),
      });
    } catch (error) {
      await focus.close();
      await connection.close();
      await store?.close();
      await pinStore?.close();
      throw error;
    }
  };
  if (store !== undefined) {
    // A standby serves its status endpoint while it waits, so operators (and the cluster) see it.
    await startStatus();
    log.info('focus waiting to be the active instance', { instance: instanceId });
  }
  const abort = (): void => void connection.close();
  opts.signal?.addEventListener('abort', abort);
  try {
    await (opts.signal === undefined ? connection.start() : Promise.race([connection.start(), aborted(opts.signal)]));
  } catch (error) {
    await status?.close();
    await focus.close();
    await connection.close();
    await store?.close();
    await pinStore?.close();
    throw error;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
  if (store === undefined) await startStatus();
  log.info('focus started', { domain: config.component.domain, brewery: config.bridges.breweryJid, httpPort: status?.port });
  let closing: Promise<void> | undefined;
  return {
    focus,
    config,
    stats: () => focus.stats(),
    httpPort: status?.port,
    close() {
      closing ??= (async () => {
        await status?.close();
        await focus.close();
        await connection.close();
        await store?.close();
        await pinStore?.close();
      })();
      return closing;
    },
  };
}

/** The longest pause between a standby's attempts to become the focus component. */
const STANDBY_RETRY_MAX_MS = 500;
/** How long start-up waits for Redis before going on from memory (it keeps reconnecting). */
const REDIS_START_WAIT_MS = 3_000;

/** The shared state store; an unreachable Redis is logged, not fatal (the store reconnects). */
async function connectStateStore(config: FocusConfig, log: Logger): Promise<RedisStateStore> {
  const store = new RedisStateStore({
    log: log.child({ part: 'redis' }),
    options: { url: config.redis.url as string, keyPrefix: config.redis.keyPrefix, commandTimeoutMs: config.redis.commandTimeoutMs },
  });
  try {
    await store.connected(REDIS_START_WAIT_MS);
  } catch (error) {
    log.warn('redis not reachable at start: focus state in memory until it is', { err: (error as Error).message });
  }
  return store;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(new Error('focus start aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * A standby is refused with `conflict` twice a second while the active instance runs: expected,
 * so those refusals are debug lines, not errors (everything else passes unchanged).
 */
function standbyLog(log: Logger): Logger {
  return {
    trace: (msg, fields) => log.trace(msg, fields),
    debug: (msg, fields) => log.debug(msg, fields),
    info: (msg, fields) => log.info(msg, fields),
    warn: (msg, fields) => log.warn(msg, fields),
    error: (msg, fields) => (fields?.condition === 'conflict' ? log.debug('standby: another focus instance is active', fields) : log.error(msg, fields)),
    child: (fields) => standbyLog(log.child(fields)),
  };
}
