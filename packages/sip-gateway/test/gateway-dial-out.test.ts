// Issue 8's proof, dial-out: a moderator (werift participant) sends the Rayo `dial` IQ to the focus
// occupant of their room, as Jitsi's web app does; the focus forwards it to the gateway it knows
// from the jigasi brewery, and the gateway calls a sipp UAS (`-sn uas`, the callee) directly (no
// trunk configured: a sip: URI). The moderator gets the call's ref at once; the callee's occupant
// (a masked number) joins with `<status>Calling</status>` as Jigasi's does, and drops the status
// when the phone answers; a Rayo hangup to that occupant JID ends the call (sipp's scenario
// completes with the gateway's BYE) and the callee leaves the room. A busy callee (486) leaves the
// room with "Busy" as its last status, never answered. A dial sent to the gateway by anyone but the
// focus is refused with `forbidden`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_RAYO, child, decodeRayoRef, el, encodeRayoDial, encodeRayoHangup } from '@plenum/xmpp/codec';
import { errorCondition } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { GATEWAY_DOMAIN, MUC_DOMAIN, callee, callerPresence, displayNameOf, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';

const ROOM = 'dialout';

/** The callee's occupant JID from a dial result's `<ref uri="xmpp:…"/>`. */
function refOf(reply: El): string {
  const ref = decodeRayoRef(child(reply, 'ref', NS_RAYO) ?? el('none'));
  if (!ref.ok) throw new Error('the dial result carries no ref');
  const occupant = ref.value.uri.replace(/^xmpp:/, '');
  assert.ok(occupant.startsWith(`${ROOM}@${MUC_DOMAIN}/`), `the ref names an occupant of the room (${ref.value.uri})`);
  return occupant;
}

const statusOf = (e: El): string | undefined => {
  const s = child(e, 'status');
  return s === undefined ? undefined : s.children.filter((c): c is string => typeof c === 'string').join('');
};

const dialIq = (to: string, target: string): El =>
  el('iq', { type: 'set', to }, encodeRayoDial({ to: target, from: 'fromnumber', headers: { JvbRoomName: `${ROOM}@${MUC_DOMAIN}` } }));

test('a moderator dials out through the focus: Calling → answered in the room → Rayo hangup; a busy callee leaves with "Busy"', async () => {
  const env = await startGatewayStack(process.env.GW_LOG ? { log: { level: 'debug' } } : {});
  let participant: MediaParticipant | undefined;
  const callees: Awaited<ReturnType<typeof callee>>[] = [];
  try {
    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;

    const stranger = await p.signalling.request(dialIq(`${GATEWAY_DOMAIN}/${env.gateway.config.nick}`, 'sip:+15550199@127.0.0.1:5999'));
    assert.is(errorCondition(stranger), 'forbidden', 'only the focus may ask the gateway to call');

    const busy = await callee('callee-busy.xml');
    callees.push(busy);
    // The gateway's brewery presence may reach the focus a moment after it started: retry while the focus knows none.
    let busyReply: El | undefined;
    for (let attempt = 0; attempt < 50 && busyReply === undefined; attempt++) {
      const reply = await p.signalling.request(dialIq(p.signalling.focusOccupant, `sip:+15550100@127.0.0.1:${busy.port}`), 20_000);
      if (errorCondition(reply) === 'service-unavailable') await sleep(100);
      else busyReply = reply;
    }
    assert.is(busyReply?.attrs.type, 'result', 'the focus forwards the moderator\'s dial and returns the gateway\'s answer');
    const busyOccupant = refOf(busyReply as El);
    const busyJoin = await p.signalling.client.next(callerPresence(p, busyOccupant.split('/')[1]), 20_000, 'the busy callee\'s presence');
    assert.is(statusOf(busyJoin), 'Calling', 'the callee is in the room as "Calling" before the phone answers');
    await p.signalling.client.next((e) => e.attrs.from === busyOccupant && statusOf(e) === 'Busy', 10_000, 'the "Busy" status before it leaves');
    await p.signalling.client.next(leftRoom(busyOccupant), 10_000, 'the busy callee leaves the room');
    assert.is(await busy.sipp.exited, '0', 'the busy callee saw INVITE, answered 486, got the ACK');
    assert.is(env.gateway.gateway.callCount, 0, 'the failed call is over');

    const answering = await callee('uas');
    callees.push(answering);
    const reply = await p.signalling.request(dialIq(p.signalling.focusOccupant, `sip:+15550199@127.0.0.1:${answering.port}`), 20_000);
    assert.is(reply.attrs.type, 'result');
    const calleeOccupant = refOf(reply);
    const calling = await p.signalling.client.next(callerPresence(p, calleeOccupant.split('/')[1]), 20_000, 'the callee\'s presence');
    assert.is(displayNameOf(calling), 'Phone •••• 99', 'the callee is named by the masked number');
    assert.is(statusOf(calling), 'Calling');
    // Once the phone answers the status goes: Jitsi's app then shows the callee as connected.
    await p.signalling.client.next((e) => e.attrs.from === calleeOccupant && e.attrs.type === undefined && statusOf(e) === undefined, 20_000, 'the answered callee\'s presence');
    const nick = calleeOccupant.split('/')[1] as string;
    for (let i = 0; i < 200 && env.gateway.gateway.calls.get(nick)?.state !== 'in-conference'; i++) await sleep(100);
    assert.is(env.gateway.gateway.calls.get(nick)?.state, 'in-conference', 'the callee\'s media is up with the bridge');

    const hangup = await p.signalling.request(el('iq', { type: 'set', to: calleeOccupant }, encodeRayoHangup()));
    assert.is(hangup.attrs.type, 'result', 'the gateway takes the hangup from an occupant of the call\'s room');
    await p.signalling.client.next(leftRoom(calleeOccupant), 10_000, 'the callee leaves the room');
    assert.is(await answering.sipp.exited, '0', 'the callee got the gateway\'s BYE');
    assert.is(env.gateway.gateway.callCount, 0);
  } finally {
    for (const c of callees) await c.sipp.stop();
    await participant?.close();
    await env.close();
  }
});

test.run();
