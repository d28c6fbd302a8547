// Graceful shutdown of the standalone gateway: the real `main.ts` process (as docker-compose and
// `npm run cluster` run it) against a testkit stack, and sipp as a PIN dial-in caller (the gateway
// answers and waits for the PIN: a call in progress without needing a room). SIGTERM drains: the
// focus sees graceful_shutdown in the jigasi brewery (so it sends no dial-outs there), a new INVITE
// gets 503, the running call goes on until the phone hangs up, then the process exits 0. With a
// short drainTimeoutMs, the call still running when it expires is hung up (BYE) and the process
// exits; a second SIGTERM hangs up at once.
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReapedProcess, RunningStack } from '@plenum/testkit';
import { freePort, freeUdpPort, spawnReaped, startStack, waitUntil } from '@plenum/testkit';
import { rawInvite, rawUdpPeer } from './sip-raw.ts';
import { GATEWAY_DOMAIN } from './gateway-harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/gateway/', import.meta.url));
const SECRET = 'g-secret';
const NICK = 'sip-gateway-drain';

async function stackForGateway(): Promise<RunningStack> {
  return startStack({
    server: {
      components: { secrets: ['focus.plenum.localhost=f-secret', '*.bridge.plenum.localhost=b-secret', `${GATEWAY_DOMAIN}=${SECRET}`] },
      lobby: { whitelist: [GATEWAY_DOMAIN] },
    },
    focus: { component: { secret: 'f-secret' }, moderation: { trustedServiceDomains: [GATEWAY_DOMAIN] } },
    bridgeValues: () => ({ xmpp: { secret: 'b-secret' } }),
  });
}

/** `npm run start:sip-gateway` as its own process; resolves once the focus sees it in the brewery. */
async function gatewayProcess(stack: RunningStack, sipPort: number, drainTimeoutMs: number): Promise<ReapedProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLENUM_')) env[k] = v;
  const rtpMin = 20_000 + 2 * Math.floor(Math.random() * 4_000);
  const gateway = await spawnReaped(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...env,
      PLENUM_SIP_COMPONENT_PORT: String(stack.server.componentPort), PLENUM_SIP_COMPONENT_SECRET: SECRET, PLENUM_SIP_NICK: NICK,
      PLENUM_SIP_SIP_PORT: String(sipPort), PLENUM_SIP_SIP_TCP: 'false',
      PLENUM_SIP_RTP_PORT_MIN: String(rtpMin), PLENUM_SIP_RTP_PORT_MAX: String(rtpMin + 99),
      PLENUM_SIP_DRAIN_TIMEOUT_MS: String(drainTimeoutMs), PLENUM_SIP_LOG_LEVEL: 'warn',
    },
    output: 'ignore',
  });
  await waitUntil('the focus sees the gateway', () => gatewayAtFocus(stack) !== undefined || gateway.hasExited(), 20_000);
  assert.not.ok(gateway.hasExited(), 'the gateway process runs');
  return gateway;
}

const gatewayAtFocus = (stack: RunningStack) => stack.focus.focus.sipGateways.find((g) => g.id === NICK);

/** sipp as a phone dialling in without a room header (PIN menu); dial-in.xml hangs up after `callMs`. */
async function phone(sipPort: number, scenario: 'dial-in.xml' | 'dial-in-wait-bye.xml', callMs: number): Promise<ReapedProcess> {
  return spawnReaped('sipp', [
    `127.0.0.1:${sipPort}`, '-sf', `${FIXTURES}${scenario}`, '-m', '1', '-i', '127.0.0.1', '-p', String(await freeUdpPort()), '-cp', String(await freePort()),
    '-key', 'room_header', 'X-Plenum-Test: pin', '-key', 'pass_header', 'X-Plenum-Test-Password: none',
    '-key', 'phone_rtp_port', String(await freeUdpPort()), '-d', String(callMs), '-nostdin', '-timeout', '60', '-timeout_error',
  ]);
}

test('SIGTERM drains: graceful_shutdown in the brewery, new INVITEs 503, the running call ends on its own, then the process exits 0', async () => {
  const stack = await stackForGateway();
  let gateway: ReapedProcess | undefined;
  let caller: ReapedProcess | undefined;
  const stranger = await rawUdpPeer();
  try {
    const sipPort = await freeUdpPort();
    gateway = await gatewayProcess(stack, sipPort, 30_000);
    const g = gateway;
    caller = await phone(sipPort, 'dial-in.xml', 5_000);
    await waitUntil('the call is counted in the brewery', () => gatewayAtFocus(stack)?.calls === 1, 10_000);

    process.kill(g.pid as number, 'SIGTERM');
    await waitUntil('the focus sees the gateway shutting down', () => gatewayAtFocus(stack)?.gracefulShutdown === true, 5_000);
    await stranger.send(sipPort, rawInvite({ fromPort: stranger.port, callId: 'while-draining' }));
    const answer = await stranger.waitFor((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m), 5_000);
    assert.match(answer ?? '', /^SIP\/2\.0 503 /, 'a new call is refused while draining');
    assert.not.ok(g.hasExited(), 'the gateway waits for its call');

    assert.is(await caller.exited, '0', 'the phone hung up on its own: its BYE was answered, the gateway never cut the call');
    assert.is(await g.exited, '0', 'the gateway exits once its last call ended');
    assert.is(gatewayAtFocus(stack), undefined, 'and has left the brewery');
  } finally {
    stranger.close();
    await caller?.stop();
    await gateway?.stop();
    await stack.close();
  }
});

test('a call still running when the drain time is over is hung up (BYE to the phone), and the process exits 0', async () => {
  const stack = await stackForGateway();
  let gateway: ReapedProcess | undefined;
  let caller: ReapedProcess | undefined;
  try {
    const sipPort = await freeUdpPort();
    gateway = await gatewayProcess(stack, sipPort, 1_000);
    caller = await phone(sipPort, 'dial-in-wait-bye.xml', 0);
    await waitUntil('the call is counted in the brewery', () => gatewayAtFocus(stack)?.calls === 1, 10_000);
    process.kill(gateway.pid as number, 'SIGTERM');
    assert.is(await caller.exited, '0', 'the phone received the gateway\'s BYE and answered it');
    assert.is(await gateway.exited, '0');
  } finally {
    await caller?.stop();
    await gateway?.stop();
    await stack.close();
  }
});

test('a second SIGTERM while draining hangs up at once', async () => {
  const stack = await stackForGateway();
  let gateway: ReapedProcess | undefined;
  let caller: ReapedProcess | undefined;
  try {
    const sipPort = await freeUdpPort();
    gateway = await gatewayProcess(stack, sipPort, 120_000);
    caller = await phone(sipPort, 'dial-in-wait-bye.xml', 0);
    await waitUntil('the call is counted in the brewery', () => gatewayAtFocus(stack)?.calls === 1, 10_000);
    process.kill(gateway.pid as number, 'SIGTERM');
    await waitUntil('the gateway drains', () => gatewayAtFocus(stack)?.gracefulShutdown === true, 5_000);
    process.kill(gateway.pid as number, 'SIGTERM');
    assert.is(await caller.exited, '0', 'the phone received the gateway\'s BYE long before the drain time');
    assert.is(await gateway.exited, '0');
  } finally {
    await caller?.stop();
    await gateway?.stop();
    await stack.close();
  }
});

test.run();
