// Shared by the gateway's end-to-end tests: a testkit stack (our XMPP server, focus, bridge) that
// trusts the gateway's domain, the gateway on free ports, sipp as the phone's signalling, and the
// phone's media (gateway-phone.ts).
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { El } from '@plenum/xmpp/codec';
import { NS_MUC_USER, child, el } from '@plenum/xmpp/codec';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { freePort, freeUdpPort, spawnReaped, startStack } from '@plenum/testkit';
import type { MediaParticipant } from '@plenum/testkit/media-participant';
import type { RunningSipGateway } from '../src/index.ts';
import { startSipGateway } from '../src/index.ts';

export const GATEWAY_DOMAIN = 'sip.plenum.localhost';
export const MUC_DOMAIN = 'conference.plenum.localhost';
const FIXTURES = fileURLToPath(new URL('./fixtures/gateway/', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The stack and a gateway joined to it, on free ports. */
export async function startGatewayStack(gatewayValues: Record<string, unknown> = {}): Promise<{ stack: RunningStack; gateway: RunningSipGateway; sipPort: number; close(): Promise<void> }> {
  const secrets = { focus: 'f-secret', bridges: 'b-secret', gateway: 'g-secret' };
  const stack = await startStack({
    server: {
      components: { secrets: [`focus.plenum.localhost=${secrets.focus}`, `*.bridge.plenum.localhost=${secrets.bridges}`, `${GATEWAY_DOMAIN}=${secrets.gateway}`] },
      lobby: { whitelist: [GATEWAY_DOMAIN] },
    },
    focus: { component: { secret: secrets.focus }, moderation: { trustedServiceDomains: [GATEWAY_DOMAIN] } },
    bridgeValues: () => ({ xmpp: { secret: secrets.bridges } }),
  });
  let gateway: RunningSipGateway | undefined;
  try {
    const sipPort = await freeUdpPort();
    const rtpBase = 20_000 + 2 * randomInt(0, 10_000);
    gateway = await startSipGateway({
      values: mergeDeep({
        component: { port: stack.server.componentPort, secret: secrets.gateway },
        sip: { port: sipPort, tcp: false },
        rtp: { portMin: rtpBase, portMax: rtpBase + 99 },
        log: { level: 'silent' },
      }, gatewayValues),
      media: { interfaceAddress: '127.0.0.1' },
    });
    const running = gateway;
    return { stack, gateway: running, sipPort, close: async () => { await running.close(); await stack.close(); } };
  } catch (error) {
    await gateway?.close();
    await stack.close();
    throw error;
  }
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)
      ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** sipp as the phone: a dial-in scenario against the gateway. Resolves once sipp runs. */
export async function dialIn(opts: {
  readonly sipPort: number; readonly scenario: 'dial-in.xml' | 'dial-in-wait-bye.xml' | 'dial-in-404.xml' | 'dial-in-403.xml' | 'dial-in-cancel.xml' | 'dial-in-hold.xml'; readonly phoneRtpPort: number;
  /** Room header value; undefined: no room header (PIN dial-in). */
  readonly room: string | undefined;
  /** Room password header value; undefined: none. */
  readonly password?: string;
  /** How long the phone stays after the ACK before its BYE (dial-in.xml). */
  readonly callMs?: number;
}): Promise<ReapedProcess> {
  const [localPort, controlPort] = [await freeUdpPort(), await freePort()];
  return spawnReaped('sipp', [
    `127.0.0.1:${opts.sipPort}`, '-sf', `${FIXTURES}${opts.scenario}`, '-m', '1', '-i', '127.0.0.1', '-p', String(localPort), '-cp', String(controlPort),
    '-key', 'room_header', opts.room === undefined ? 'X-Plenum-Test: pin' : `Jitsi-Conference-Room: ${opts.room}`,
    '-key', 'pass_header', opts.password === undefined ? 'X-Plenum-Test-Password: none' : `Jitsi-Conference-Room-Pass: ${opts.password}`,
    '-key', 'phone_rtp_port', String(opts.phoneRtpPort), '-d', String(opts.callMs ?? 10_000),
    '-nostdin', '-timeout', '90', '-timeout_error',
  ]);
}

/**
 * sipp as a dial-out callee (or trunk) on a free port, or on `port`: `-sn uas` (answers, waits for
 * BYE), a scenario of test/fixtures/gateway, or `trunk-digest` (the SIP tests' trunk that
 * challenges with 401 digest for trunkuser / s3cret, test/fixtures/sip/uas-digest.xml).
 */
export async function callee(scenario: 'uas' | 'callee-busy.xml' | 'trunk-digest', port?: number): Promise<{ readonly sipp: ReapedProcess; readonly port: number }> {
  const [sipPort, mediaPort, controlPort] = [port ?? await freeUdpPort(), await freeUdpPort(), await freePort()];
  const file = scenario === 'trunk-digest' ? fileURLToPath(new URL('./fixtures/sip/uas-digest.xml', import.meta.url)) : `${FIXTURES}${scenario}`;
  const sipp = await spawnReaped('sipp', [
    ...(scenario === 'uas' ? ['-sn', 'uas'] : ['-sf', file]),
    '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort), '-cp', String(controlPort), '-m', '1',
    '-nostdin', '-timeout', '90', '-timeout_error',
  ]);
  return { sipp, port: sipPort };
}

// --- the room ------------------------------------------------------------------------------------

/** The caller's join presence as `p` sees it: from `room/<nick>`, not the focus, not `p` itself. */
export function callerPresence(p: MediaParticipant, nick?: string) {
  return (e: El): boolean => e.name === 'presence' && e.attrs.type === undefined && e.attrs.from !== undefined
    && e.attrs.from.startsWith(`${p.signalling.roomJid}/`) && e.attrs.from !== p.signalling.occupantJid
    && e.attrs.from !== p.signalling.focusOccupant && (nick === undefined || e.attrs.from === `${p.signalling.roomJid}/${nick}`)
    && child(e, 'x', NS_MUC_USER) !== undefined;
}

/** The display name (`<nick xmlns="http://jabber.org/protocol/nick">`) of a presence. */
export const displayNameOf = (e: El): string | undefined => {
  const n = child(e, 'nick', 'http://jabber.org/protocol/nick');
  return n === undefined ? undefined : n.children.filter((c): c is string => typeof c === 'string').join('');
};

/** The `<feature var>`s of a presence's `<features>`. */
export const featuresOf = (e: El): string[] =>
  (child(e, 'features')?.children ?? []).filter((c): c is El => typeof c !== 'string' && c.name === 'feature').map((c) => c.attrs.var ?? '');

/** `from`'s unavailable presence. */
export const leftRoom = (occupantJid: string) => (e: El): boolean => e.name === 'presence' && e.attrs.type === 'unavailable' && e.attrs.from === occupantJid;

/** A moderator's kick of `nick` (muc#admin, role none). */
export const kickIq = (roomJid: string, nick: string): El =>
  el('iq', { type: 'set', to: roomJid }, el('query', { xmlns: 'http://jabber.org/protocol/muc#admin' }, el('item', { nick, role: 'none' }, el('reason', {}, 'test'))));
