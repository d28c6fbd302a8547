// The SIP gateway `npm start` runs (issue 8: the one-command server takes calls from a local PBX or
// softphone): an ordinary gateway component on 127.0.0.1:5060, UDP and TCP. Its domain gets a fresh
// component secret, the focus trusts it as a service (never moderator) and the lobby lets it in (a
// caller with the right PIN is past the lobby and the password). PLENUM_SIP_ENABLED=false, or
// `sipGateway: false` from an embedding program, leaves it out; PLENUM_SIP_* configure it (e.g.
// PLENUM_SIP_SIP_PORT). When the SIP port is taken (a PBX or softphone already on this machine)
// `npm start` warns and runs without the gateway rather than failing.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@plenum/kit';
import type { RunningSipGateway } from '@plenum/sip-gateway';
import { startSipGateway } from '@plenum/sip-gateway';

/** What the other components must know about the gateway before it starts. */
export type SipGatewayPlan = {
  readonly domain: string;
  readonly secret: string;
  readonly breweryJid: string;
  /** Gateway settings from the embedding program (everything but `enabled`). */
  readonly values: Record<string, unknown>;
};

export function planSipGateway(opts: {
  readonly env: NodeJS.ProcessEnv;
  readonly settings: Record<string, unknown> | false | undefined;
  readonly domain: string;
  readonly internalMucDomain: string;
}): SipGatewayPlan | undefined {
  if (opts.settings === false || /^(0|false|no|off)$/i.test(opts.env['PLENUM_SIP_ENABLED'] ?? '')) return undefined;
  const { enabled, ...values } = opts.settings ?? {};
  if (enabled === false) return undefined;
  return {
    domain: `sip.${opts.domain}`,
    secret: randomBytes(24).toString('hex'),
    breweryJid: `jigasibrewery@${opts.internalMucDomain}`,
    values,
  };
}

/** Starts the planned gateway; undefined (with a warning) when its SIP port is already in use. */
export async function startEmbeddedSipGateway(plan: SipGatewayPlan, deps: {
  readonly env: NodeJS.ProcessEnv;
  readonly componentPort: number;
  readonly domain: string;
  readonly mucDomain: string;
  readonly focusDomain: string;
  /** The focus's log level: one process, one verbosity (the gateway's own setting wins). */
  readonly logLevel: string;
  /** The address the bridge advertises: a loopback one means the legs gather on loopback too. */
  readonly bridgeAddress: string;
  readonly log?: Logger;
}): Promise<RunningSipGateway | undefined> {
  const fixed = {
    component: { domain: plan.domain, host: '127.0.0.1', port: deps.componentPort, secret: plan.secret },
    breweryJid: plan.breweryJid, focusDomain: deps.focusDomain, mucDomain: deps.mucDomain,
  };
  const values = { log: { level: deps.logLevel }, ...plan.values, ...fixed, component: { ...asObject(plan.values['component']), ...fixed.component } };
  try {
    return await startSipGateway({
      env: deps.env, values,
      media: deps.bridgeAddress.startsWith('127.') ? { interfaceAddress: '127.0.0.1' } : {},
      ...(deps.log !== undefined ? { log: deps.log } : {}),
    });
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    deps.log?.warn('SIP port in use: running without the SIP gateway (set PLENUM_SIP_SIP_PORT to use another)', { err: (error as Error).message });
    return undefined;
  }
}

function isAddressInUse(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test(e.message)) return true;
  }
  return false;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
