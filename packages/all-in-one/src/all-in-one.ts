import { randomBytes } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import type { RunningXmppServer } from '@plenum/xmpp/server';
import { loadXmppConfig, startXmppServer } from '@plenum/xmpp/server';
import type { RunningFocus } from '@plenum/focus';
import { loadFocusConfig, startFocus, tokenVerifierForConfig } from '@plenum/focus';
import type { RunningBridge } from '@plenum/bridge';
import { startBridge } from '@plenum/bridge';
import type { RunningWebServer } from '@plenum/meet-web';
import { isWebServerTls, loadWebServerConfig, startWebServer } from '@plenum/meet-web';
import type { RunningRecorder } from '@plenum/recorder';
import { planRecorder, sameOriginDownloadPort, startEmbeddedRecorder } from './embedded-recorder.ts';
import { proxyToLoopback } from './recordings-proxy.ts';
import type { RunningSipGateway } from '@plenum/sip-gateway';
import { planSipGateway, startEmbeddedSipGateway } from './embedded-sip-gateway.ts';

/** Everything the one-command server runs. */
export type RunningPlenum = {
  readonly xmpp: RunningXmppServer;
  readonly focus: RunningFocus;
  readonly bridge: RunningBridge;
  /** The web app, /xmpp-websocket and /colibri-ws/… on one origin: `web.url` is what people open. */
  readonly web: RunningWebServer;
  /** The recorder, when ffmpeg is installed and recording is not switched off. */
  readonly recorder: RunningRecorder | undefined;
  /** The SIP gateway (127.0.0.1:5060 UDP+TCP by default), unless switched off or its port was taken. */
  readonly sipGateway: RunningSipGateway | undefined;
  close(): Promise<void>;
};

export type AllInOneOptions = {
  /** Environment read by every component (PLENUM_XMPP_*, PLENUM_FOCUS_*, PLENUM_BRIDGE_*, PLENUM_WEB_*). */
  readonly env?: NodeJS.ProcessEnv;
  /** Optional JSON file for the XMPP server's settings. */
  readonly xmppFile?: string;
  /** Values the embedding program sets per component (tests: free ports, silent logs). */
  readonly xmpp?: ConfigSources['values'];
  readonly focus?: Record<string, unknown>;
  readonly bridge?: Record<string, unknown>;
  readonly web?: Record<string, unknown>;
  /** Recorder settings (PLENUM_RECORDER_*, e.g. `output.directory`); `false` or `{ enabled: false }` runs none. */
  readonly recorder?: Record<string, unknown> | false;
  /** SIP gateway settings (PLENUM_SIP_*, e.g. `sip.port`); `false` or `{ enabled: false }` runs none. */
  readonly sipGateway?: Record<string, unknown> | false;
  /** One logger for all components; each gets a child with its component name. */
  readonly log?: Logger;
};

/**
 * Starts the XMPP server, the web server, the focus and one bridge in this process. The components
 * still talk over loopback XMPP exactly as in a split deployment; only their shared secrets are
 * made up here, fresh at every start, so nothing needs configuring for a first meeting. The web
 * server is the one public HTTP port: it serves the app and hands `/xmpp-websocket` and the
 * bridge's `/colibri-ws/…` upgrades over, and the bridge advertises its channel on that origin.
 */
export async function startAllInOne(opts: AllInOneOptions = {}): Promise<RunningPlenum> {
  const env = opts.env ?? {};
  const focusSecret = randomBytes(24).toString('hex');
  const bridgeSecret = randomBytes(24).toString('hex');
  const loaded = loadXmppConfig({ env, ...(opts.xmppFile !== undefined ? { file: opts.xmppFile } : {}), ...(opts.xmpp !== undefined ? { values: opts.xmpp } : {}) });
  const focusDomain = `focus.${loaded.domain}`;
  const bridgeSuffix = `bridge.${loaded.domain}`;
  const recorderPlan = planRecorder({ env, settings: opts.recorder, domain: loaded.domain, internalMucDomain: loaded.internalMucDomain });
  const sipPlan = planSipGateway({ env, settings: opts.sipGateway, domain: loaded.domain, internalMucDomain: loaded.internalMucDomain });
  const serviceDomains = [...(recorderPlan === undefined ? [] : [recorderPlan.domain]), ...(sipPlan === undefined ? [] : [sipPlan.domain])];
  const xmppConfig = {
    ...loaded,
    components: {
      ...loaded.components,
      secrets: [...loaded.components.secrets, `${focusDomain}=${focusSecret}`, `*.${bridgeSuffix}=${bridgeSecret}`,
        ...(recorderPlan === undefined ? [] : [`${recorderPlan.domain}=${recorderPlan.secret}`]),
        ...(sipPlan === undefined ? [] : [`${sipPlan.domain}=${sipPlan.secret}`])],
    },
    // The recorder and the SIP gateway join locked and members-only rooms without knocking (Jitsi's muc_lobby_whitelist).
    lobby: { ...loaded.lobby, whitelist: [...loaded.lobby.whitelist, ...serviceDomains] },
    muc: { ...loaded.muc, admins: [...new Set([...loaded.muc.admins, focusDomain])] },
    // The web server serves /xmpp-websocket; the XMPP server's own listener stays internal.
    http: { ...loaded.http, host: '127.0.0.1', port: 0 },
  };
  // Jitsi's own clients hide the recorder by its domain (config.js hiddenDomain).
  const webConfig = loadWebServerConfig({ env, values: { ...(recorderPlan === undefined ? {} : { hiddenDomain: recorderPlan.domain }), ...opts.web } });
  const child = (component: string) => opts.log?.child({ component });
  const xmpp = await startXmppServer({ config: xmppConfig, ...(opts.log ? { log: child('xmpp') as Logger } : {}) });
  const started: { close(): Promise<void> }[] = [xmpp];
  try {
    let bridgeRef: RunningBridge | undefined;
    // Started after the web server: /dial-in/code asks it once it runs (its PIN directory, in-process).
    let focusRef: RunningFocus | undefined;
    const web = await startWebServer({
      config: webConfig,
      hosts: {
        domain: loaded.domain, muc: loaded.mucDomain, focus: focusDomain,
        ...(loaded.auth.guestDomain !== undefined ? { anonymousdomain: loaded.auth.guestDomain } : {}),
      },
      websocketPath: loaded.http.websocketPath,
      upgrades: [(req, socket, head) => xmpp.server.handleUpgrade(req, socket, head, isWebServerTls(webConfig))],
      health: () => bridgeRef?.isHealthy() ?? false,
      dialInDirectory: async (room) => focusRef?.focus.pins?.pinForHttp(room),
      ...(opts.log ? { log: child('web') as Logger } : {}),
    });
    started.push(web);
    let focusConfig = loadFocusConfig({
      env,
      values: merge({
        domain: loaded.domain,
        mucDomain: loaded.mucDomain,
        ...(loaded.auth.guestDomain !== undefined ? { guestDomain: loaded.auth.guestDomain } : {}),
        component: { domain: focusDomain, host: '127.0.0.1', port: xmpp.componentPort, secret: focusSecret },
        bridges: { breweryJid: `jvbbrewery@${loaded.internalMucDomain}` },
        dialOut: { breweryJid: `jigasibrewery@${loaded.internalMucDomain}` },
        // One process, one token policy: the focus checks tokens exactly as the server does.
        auth: { jwt: withoutUndefined(loaded.auth.jwt) },
      }, opts.focus ?? {}),
    });
    // Recorders and SIP gateways are services: never moderator, not counted for start-muted (protocols.md §6, §7).
    focusConfig = {
      ...focusConfig,
      moderation: { ...focusConfig.moderation, trustedServiceDomains: [...new Set([...focusConfig.moderation.trustedServiceDomains, ...serviceDomains])] },
      ...(recorderPlan === undefined ? {} : { recording: { ...focusConfig.recording, breweryJid: recorderPlan.breweryJid } }),
    };
    const tokenVerifier = tokenVerifierForConfig(focusConfig.auth.jwt);
    const focus = await startFocus({
      config: focusConfig,
      ...(tokenVerifier !== undefined ? { tokenVerifier } : {}),
      ...(opts.log ? { log: child('focus') as Logger } : {}),
    });
    started.push(focus);
    focusRef = focus;
    const bridge = await startBridge({
      env,
      values: merge({
        xmpp: {
          host: '127.0.0.1', port: xmpp.componentPort, domainSuffix: bridgeSuffix, secret: bridgeSecret,
          breweryJid: `jvbbrewery@${loaded.internalMucDomain}`, focusAllowed: [focusDomain],
        },
        // Browsers reach the bridge channel through the web server: same origin, nothing else in the CSP.
        public: { webSocketBaseUrl: web.url.replace(/^http/, 'ws') },
      }, opts.bridge ?? {}),
      ...(opts.log ? { log: child('bridge') as Logger } : {}),
    });
    started.push(bridge);
    bridgeRef = bridge;
    const removeBridgeUpgrade = web.addUpgradeHandler((req, socket, head) => bridge.handleUpgrade(req, socket, head));
    started.push({ close: async () => removeBridgeUpgrade() });
    // Downloads on the meeting's origin unless the operator placed the download server themselves.
    const downloadPort = recorderPlan === undefined ? undefined : await sameOriginDownloadPort(recorderPlan, env);
    const recorderPlanned = recorderPlan === undefined || downloadPort === undefined ? recorderPlan
      : { ...recorderPlan, values: { ...recorderPlan.values, download: { host: '127.0.0.1', port: downloadPort, publicBaseUrl: web.url } } };
    const recorder = recorderPlanned === undefined ? undefined : await startEmbeddedRecorder(recorderPlanned, {
      env, componentPort: xmpp.componentPort, logLevel: focusConfig.log.level,
      bridgeAddress: String(asRecord(asRecord(opts.bridge)['public'])['address'] ?? env['PLENUM_BRIDGE_PUBLIC_ADDRESS'] ?? '127.0.0.1'),
      ...(opts.log ? { log: child('recorder') as Logger } : {}),
    });
    if (recorder !== undefined) started.push(recorder);
    if (recorder !== undefined && downloadPort !== undefined) {
      const removeRoute = web.addRoute('/recordings/', proxyToLoopback(downloadPort));
      started.push({ close: async () => removeRoute() });
    }
    const sipGateway = sipPlan === undefined ? undefined : await startEmbeddedSipGateway(sipPlan, {
      env, componentPort: xmpp.componentPort, domain: loaded.domain, mucDomain: loaded.mucDomain, focusDomain, logLevel: focusConfig.log.level,
      bridgeAddress: String(asRecord(asRecord(opts.bridge)['public'])['address'] ?? env['PLENUM_BRIDGE_PUBLIC_ADDRESS'] ?? '127.0.0.1'),
      ...(opts.log ? { log: child('sip-gateway') as Logger } : {}),
    });
    if (sipGateway !== undefined) started.push(sipGateway);
    let closing: Promise<void> | undefined;
    return {
      xmpp, focus, bridge, web, recorder, sipGateway,
      close: () => (closing ??= closeAll(started)),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

/** Closes in reverse start order: bridge, focus, the web server, then the XMPP server they talk through. */
async function closeAll(parts: readonly { close(): Promise<void> }[]): Promise<void> {
  for (const p of [...parts].reverse()) await p.close();
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)
      ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function withoutUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
