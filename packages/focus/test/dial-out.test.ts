// Dial-out through the real XMPP server and focus (protocols.md §7): scripted SIP gateways in the
// jigasi brewery, participants in a room. Who may dial, which gateway gets the call, retries, and
// what the client gets back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import {
  FORM_MUC_ROOMCONFIG, NS_MUC_OWNER, NS_MUC_USER, NS_RAYO, child, decodeRayoDial, decodeRayoRef, el, encodeDataForm, encodeRayoDial, formTypeField,
} from '@plenum/xmpp/codec';
import { FOCUS_DOMAIN, FakeBridge, Participant, startStack } from './integration/stack.ts';
import type { Stack } from './integration/stack.ts';
import { GATEWAY_DOMAINS, GATEWAY_SECRET, ScriptedGateway, gatewayDomain } from './dial-gateway.ts';

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const isModeratorPresence = (p: Participant) => (e: El): boolean =>
  e.name === 'presence' && e.attrs.from === p.occupantJid && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator';

const dialIq = (p: Participant, to: string, roomName = p.roomJid): El =>
  el('iq', { type: 'set', to: p.focusOccupant }, encodeRayoDial({ to, from: 'fromnumber', headers: { JvbRoomName: roomName } }));

async function room(name: string): Promise<{ stack: Stack; host: Participant; guest: Participant }> {
  const stack = await startStack({ server: { components: { secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1', `${GATEWAY_DOMAINS}=${GATEWAY_SECRET}`] } } });
  try {
    await FakeBridge.start(stack, 'jvb1');
    const host = await Participant.join(stack, name);
    await host.bot.next(isModeratorPresence(host), 5000, 'host is moderator');
    const guest = await Participant.join(stack, name);
    return { stack, host, guest };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

test('no gateway in the brewery: a moderator\'s dial is service-unavailable', async () => {
  const { stack, host } = await room('nogw');
  try {
    const reply = await host.bot.request(dialIq(host, '+15550100'));
    assert.is(reply.attrs.type, 'error');
    assert.is(conditionOf(reply), 'service-unavailable');
  } finally {
    await stack.close();
  }
});

test('a moderator\'s dial goes to the least-loaded gateway and its ref comes back; guests and bad dials are refused', async () => {
  const { stack, host, guest } = await room('sales');
  try {
    const busy = await ScriptedGateway.join(stack, 'gw-busy', { participants: 5 });
    const idle = await ScriptedGateway.join(stack, 'gw-idle', { participants: 1 });
    const noSip = await ScriptedGateway.join(stack, 'gw-transcriber', { supportsSip: false, participants: 0 });

    const refused = await guest.bot.request(dialIq(guest, '+15550100'));
    assert.is(conditionOf(refused), 'forbidden');
    const otherRoom = await host.bot.request(dialIq(host, '+15550100', 'elsewhere@conference.plenum.localhost'));
    assert.is(conditionOf(otherRoom), 'bad-request');
    const notAPhone = await host.bot.request(dialIq(host, 'xmpp:someone@plenum.localhost'));
    assert.is(conditionOf(notAPhone), 'bad-request');

    const reply = await host.bot.request(dialIq(host, 'sip:+15550100@trunk.example'));
    assert.is(reply.attrs.type, 'result', JSON.stringify(reply));
    const ref = decodeRayoRef(child(reply, 'ref', NS_RAYO) as El);
    assert.ok(ref.ok);
    assert.is(ref.value.uri, `xmpp:call-1@${gatewayDomain('gw-idle')}`);
    assert.is(idle.dials.length, 1);
    assert.is(busy.dials.length + noSip.dials.length, 0);
    const sent = decodeRayoDial(child(idle.dials[0] as El, 'dial', NS_RAYO) as El);
    assert.ok(sent.ok);
    assert.is(sent.value.to, 'sip:+15550100@trunk.example');
    assert.is(sent.value.headers.JvbRoomName, host.roomJid);
    // Sent from the focus's own JID to the gateway's real JID: the gateway can check who dials.
    assert.is(idle.dials[0]?.attrs.from, `${FOCUS_DOMAIN}/focus`);
    assert.is(idle.dials[0]?.attrs.to, idle.jid);
  } finally {
    await stack.close();
  }
});

test('a gateway that refuses is replaced by the next one; when every gateway refuses the client is told', async () => {
  const { stack, host } = await room('retry');
  try {
    const first = await ScriptedGateway.join(stack, 'gw-a', { participants: 0 });
    const second = await ScriptedGateway.join(stack, 'gw-b', { participants: 2 });
    first.answer = { kind: 'error', condition: 'internal-server-error' };
    const reply = await host.bot.request(dialIq(host, '+15550100'));
    assert.is(reply.attrs.type, 'result');
    assert.is(first.dials.length, 1);
    assert.is(second.dials.length, 1);
    assert.is(child(reply, 'ref', NS_RAYO)?.attrs.uri, `xmpp:call-1@${gatewayDomain('gw-b')}`);

    second.answer = { kind: 'error', condition: 'service-unavailable' };
    const failed = await host.bot.request(dialIq(host, '+15550101'));
    assert.is(failed.attrs.type, 'error');
    assert.is(conditionOf(failed), 'service-unavailable');
    assert.is(second.dials.length, 2);
  } finally {
    await stack.close();
  }
});

test('dialling out of a locked room: the gateway is given the room\'s password', async () => {
  const { stack, host } = await room('locked');
  try {
    const gateway = await ScriptedGateway.join(stack, 'gw-l');
    const lock = await host.bot.request(el('iq', { type: 'set', to: host.roomJid }, el('query', { xmlns: NS_MUC_OWNER },
      encodeDataForm({ type: 'submit', fields: [formTypeField(FORM_MUC_ROOMCONFIG), { var: 'muc#roomconfig_roomsecret', values: ['s3cret'] }] }))));
    assert.is(lock.attrs.type, 'result');
    assert.is((await host.bot.request(dialIq(host, '+15550100'))).attrs.type, 'result');
    const sent = decodeRayoDial(child(gateway.dials[0] as El, 'dial', NS_RAYO) as El);
    assert.ok(sent.ok);
    assert.is(sent.value.headers.JvbRoomPassword, 's3cret');
  } finally {
    await stack.close();
  }
});

test('the caller\'s region wins over load', async () => {
  const stack = await startStack({ server: { components: { secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1', `${GATEWAY_DOMAINS}=${GATEWAY_SECRET}`] } } });
  try {
    await FakeBridge.start(stack, 'jvb1');
    const host = await Participant.join(stack, 'regional', { region: 'eu' });
    await host.bot.next(isModeratorPresence(host), 5000, 'host is moderator');
    const us = await ScriptedGateway.join(stack, 'gw-us', { participants: 0, region: 'us' });
    const eu = await ScriptedGateway.join(stack, 'gw-eu', { participants: 4, region: 'eu' });
    const reply = await host.bot.request(dialIq(host, '+15550100'));
    assert.is(reply.attrs.type, 'result');
    assert.is(eu.dials.length, 1);
    assert.is(us.dials.length, 0);
  } finally {
    await stack.close();
  }
});

test.run();
