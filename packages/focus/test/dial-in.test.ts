// Dial-in PINs through the real XMPP server and focus: every conference gets one; a trusted SIP
// gateway resolves it to the room (and the password once a moderator locks the room); nobody else
// may; it is gone when the conference ends; the status server's /dial-in/code (Jitsi's
// dialInConfCodeUrl format) gives it for open rooms only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import {
  FORM_MUC_ROOMCONFIG, NS_MUC_OWNER, NS_MUC_USER, NS_PLENUM_DIAL_IN, child, decodeDialInResult, el, encodeDataForm, encodeDialInQuery, formTypeField,
} from '@plenum/xmpp/codec';
import { FOCUS_DOMAIN, FakeBridge, Participant, startStack } from './integration/stack.ts';
import type { Stack } from './integration/stack.ts';
import { GATEWAY_DOMAINS, GATEWAY_SECRET, ScriptedGateway, gatewayDomain } from './dial-gateway.ts';

const conditionOf = (iq: El): string | undefined =>
  child(iq, 'error')?.children.find((c): c is El => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text')?.name;
const isModeratorPresence = (p: Participant) => (e: El): boolean =>
  e.name === 'presence' && e.attrs.from === p.occupantJid && child(child(e, 'x', NS_MUC_USER) ?? el('x'), 'item')?.attrs.role === 'moderator';
const resultOf = (reply: El) => {
  const r = decodeDialInResult(child(reply, 'dial-in', NS_PLENUM_DIAL_IN) ?? el('none'));
  if (!r.ok) throw new Error(`no dial-in result: ${JSON.stringify(reply)}`);
  return r.value;
};
const askRoomPin = (p: Participant, room = p.roomJid): Promise<El> => p.bot.request(el('iq', { type: 'get', to: FOCUS_DOMAIN }, encodeDialInQuery({ room })));
const lockRoom = (p: Participant, password: string): Promise<El> => p.bot.request(el('iq', { type: 'set', to: p.roomJid },
  el('query', { xmlns: NS_MUC_OWNER }, encodeDataForm({ type: 'submit', fields: [formTypeField(FORM_MUC_ROOMCONFIG), { var: 'muc#roomconfig_roomsecret', values: [password] }] }))));

async function codeOverHttp(stack: Stack, conference: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${stack.focus.httpPort}/dial-in/code?conference=${encodeURIComponent(conference)}`);
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

test('a conference\'s PIN: occupants read it, a trusted gateway resolves it (with the password once locked), strangers may not, and it ends with the conference', async () => {
  const stack = await startStack({
    server: { components: { secrets: [`${FOCUS_DOMAIN}=f1`, '*.bridge.plenum.localhost=b1', `${GATEWAY_DOMAINS}=${GATEWAY_SECRET}`] } },
    focus: { moderation: { trustedServiceDomains: [gatewayDomain('gw1')] }, limits: { emptyConferenceTimeoutMs: 1_000 }, http: { enabled: true, port: 0 } },
  });
  try {
    await FakeBridge.start(stack, 'jvb1');
    const gateway = await ScriptedGateway.join(stack, 'gw1');
    const host = await Participant.join(stack, 'weekly');
    await host.bot.next(isModeratorPresence(host), 5000, 'host is moderator');
    const guest = await Participant.join(stack, 'weekly');

    const mine = await askRoomPin(guest);
    assert.is(mine.attrs.type, 'result', JSON.stringify(mine));
    const { pin, room } = resultOf(mine);
    assert.match(pin, /^[1-9]\d{7}$/);
    assert.is(room, guest.roomJid);
    assert.is(resultOf(await askRoomPin(host)).pin, pin, 'one PIN per room');

    const resolved = resultOf(await gateway.lookupPin(FOCUS_DOMAIN, pin));
    assert.equal(resolved, { pin, room: host.roomJid });
    const http = await codeOverHttp(stack, host.roomJid);
    assert.is(http.status, 200);
    assert.equal(http.body, { message: 'Successfully retrieved conference mapping', id: Number(pin), conference: host.roomJid });

    // Someone who is not in the room: neither the room's PIN nor a PIN lookup.
    const stranger = await Participant.connect(stack, 'other');
    assert.is(conditionOf(await askRoomPin(stranger, host.roomJid)), 'forbidden');
    assert.is(conditionOf(await stranger.bot.request(el('iq', { type: 'get', to: FOCUS_DOMAIN }, encodeDialInQuery({ pin })))), 'forbidden');
    assert.is(conditionOf(await gateway.lookupPin(FOCUS_DOMAIN, pin === '12345678' ? '87654321' : '12345678')), 'item-not-found');

    // Locked: the gateway gets the password (the caller joins past it); HTTP no longer gives the PIN.
    assert.is((await lockRoom(host, 'hunter2')).attrs.type, 'result');
    assert.equal(resultOf(await gateway.lookupPin(FOCUS_DOMAIN, pin)), { pin, room: host.roomJid, password: 'hunter2' });
    assert.is((await codeOverHttp(stack, host.roomJid)).status, 404);
    assert.is((await codeOverHttp(stack, 'nosuchroom@conference.plenum.localhost')).status, 404);

    host.leave();
    guest.leave();
    const deadline = Date.now() + 10_000;
    let after = await gateway.lookupPin(FOCUS_DOMAIN, pin);
    while (after.attrs.type === 'result' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = await gateway.lookupPin(FOCUS_DOMAIN, pin);
    }
    assert.is(conditionOf(after), 'item-not-found');
  } finally {
    await stack.close();
  }
});

test.run();
