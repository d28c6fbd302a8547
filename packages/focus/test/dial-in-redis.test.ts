// Dial-in PINs kept in Redis (a real redis-server on loopback): another focus instance — here the
// one that takes over after the first shut down — answers the PIN the first one gave the room.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_PLENUM_DIAL_IN, child, decodeDialInResult, el, encodeDialInQuery } from '@plenum/xmpp/codec';
import { freePort } from '@plenum/kit/node';
import { startFocus } from '../src/start.ts';
import type { RunningFocus } from '../src/start.ts';
import { FOCUS_DOMAIN, FakeBridge, Participant, startStack } from './integration/stack.ts';
import type { Stack } from './integration/stack.ts';
import { GATEWAY_DOMAINS, GATEWAY_SECRET, ScriptedGateway, gatewayDomain } from './dial-gateway.ts';
import { startRedis } from './state/redis-server.ts';
import type { TestRedis } from './state/redis-server.ts';

const pinOf = (reply: El): string | undefined => {
  const r = decodeDialInResult(child(reply, 'dial-in', NS_PLENUM_DIAL_IN) ?? el('none'));
  return r.ok ? r.value.pin : undefined;
};

test('a second focus instance with the same Redis answers the PIN the first one gave', async () => {
  let redis: TestRedis | undefined;
  let stack: Stack | undefined;
  let second: RunningFocus | undefined;
  try {
    redis = await startRedis(await freePort());
    const focusValues = { redis: { url: redis.url, leaseMs: 1_000 }, moderation: { trustedServiceDomains: [gatewayDomain('gw1')] } };
    stack = await startStack({
      server: { components: { secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1', `${GATEWAY_DOMAINS}=${GATEWAY_SECRET}`] } },
      focus: { ...focusValues, instanceId: 'focus-a' },
    });
    await FakeBridge.start(stack, 'jvb1');
    const gateway = await ScriptedGateway.join(stack, 'gw1');
    const host = await Participant.join(stack, 'shared');
    const pin = pinOf(await host.bot.request(el('iq', { type: 'get', to: FOCUS_DOMAIN }, encodeDialInQuery({ room: host.roomJid }))));
    assert.ok(pin !== undefined);

    await stack.focus.close();
    second = await startFocus({
      values: { ...focusValues, instanceId: 'focus-b', component: { port: stack.server.componentPort, secret: 'f1' }, log: { level: 'silent' } },
    });
    const deadline = Date.now() + 10_000;
    let reply = await gateway.lookupPin(FOCUS_DOMAIN, pin);
    // The second instance is the component once the server saw the first one's connection go.
    while (reply.attrs.type !== 'result' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await gateway.lookupPin(FOCUS_DOMAIN, pin);
    }
    const r = decodeDialInResult(child(reply, 'dial-in', NS_PLENUM_DIAL_IN) ?? el('none'));
    assert.ok(r.ok, JSON.stringify(reply));
    assert.equal(r.value, { pin, room: host.roomJid });
  } finally {
    await second?.close();
    await stack?.close();
    await redis?.stop();
  }
});

test.run();
