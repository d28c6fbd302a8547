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
    bridges: {
      healthTimeoutMs: c.bridges.healthTimeoutMs,
      failureResetMs: c.bridges.failureResetMs,
      participantRampupMs: c.bridges.participantRampupMs,
      defaultAverageParticipantStress: c.bridges.averageParticipantStressPermille / 1000,
    },
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
  const connection = new ComponentConnection({
    log: log.child({ part: 'xmpp' }), clock, ids,
    options: {
      host: config.component.host, port: config.component.port, domain: config.component.domain,
      secret: config.component.secret, reconnectMaxDelayMs: config.component.reconnectMaxDelayMs,
    },
  });
  const settings = focusSettings(config);
  const focus = new Focus({
    log, clock, ids, channel: connection,
    bridgeControl: new ColibriBridgeControl({ channel: connection, log: log.child({ part: 'colibri' }), from: settings.conference.focusJid }),
    tokenVerifier: opts.tokenVerifier,
    settings,
  });
  connection.events.on('stanza', (s) => focus.handleStanza(s));
  connection.events.on('online', () => focus.online());
  connection.events.on('offline', () => focus.offline());
  try {
    await connection.start();
  } catch (error) {
    await focus.close();
    await connection.close();
    throw error;
  }
  let status: StatusServer | undefined;
  if (config.http.enabled) {
    try {
      status = await startStatusServer({ host: config.http.host, port: config.http.port, status: () => focusStatus(focus, clock.now()), isHealthy: () => connection.isOnline });
    } catch (error) {
      await focus.close();
      await connection.close();
      throw error;
    }
  }
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
      })();
      return closing;
    },
  };
}
