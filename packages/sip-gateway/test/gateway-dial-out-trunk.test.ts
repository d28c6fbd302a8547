// Dial-out through a trunk: the gateway is configured with `dialOut.trunkUri` and digest
// credentials; the moderator types a plain phone number ("+1 555 0100", as Jitsi's app sends it).
// The trunk is a sipp UAS that challenges the INVITE with 401 (digest, qop=auth), checks the
// credentials of the second INVITE and answers with PCMA (the SIP tests' trunk scenario). The
// callee joins the room named by its masked number; a Rayo hangup ends the call at the trunk.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_RAYO, child, decodeRayoRef, el, encodeRayoDial, encodeRayoHangup } from '@plenum/xmpp/codec';
import { errorCondition, freeUdpPort } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { MUC_DOMAIN, callee, callerPresence, displayNameOf, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';

const ROOM = 'trunkcall';

test('a plain number is dialled through the trunk, answering its digest challenge; the callee joins; hangup ends it', async () => {
  const trunkPort = await freeUdpPort();
  const env = await startGatewayStack({
    dialOut: { trunkUri: `sip:127.0.0.1:${trunkPort}`, username: 'trunkuser', password: 's3cret', fromUri: 'sip:+15550111@plenum.localhost' },
  });
  let participant: MediaParticipant | undefined;
  let trunk: Awaited<ReturnType<typeof callee>> | undefined;
  try {
    trunk = await callee('trunk-digest', trunkPort);
    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;
    const dial = (): El => el('iq', { type: 'set', to: p.signalling.focusOccupant },
      encodeRayoDial({ to: '+1 555 0100', from: '', headers: { JvbRoomName: `${ROOM}@${MUC_DOMAIN}` } }));
    let reply: El | undefined;
    for (let attempt = 0; attempt < 50 && reply === undefined; attempt++) {
      const r = await p.signalling.request(dial(), 20_000);
      if (errorCondition(r) === 'service-unavailable') await sleep(100);
      else reply = r;
    }
    assert.is(reply?.attrs.type, 'result', 'the dial is accepted');
    const ref = decodeRayoRef(child(reply as El, 'ref', NS_RAYO) ?? el('none'));
    assert.ok(ref.ok);
    const occupant = ref.value.uri.replace(/^xmpp:/, '');
    const joined = await p.signalling.client.next(callerPresence(p, occupant.split('/')[1]), 20_000, 'the callee\'s presence');
    assert.is(displayNameOf(joined), 'Phone •••• 00');
    const nick = occupant.split('/')[1] as string;
    for (let i = 0; i < 200 && env.gateway.gateway.calls.get(nick)?.state !== 'in-conference'; i++) await sleep(100);
    assert.is(env.gateway.gateway.calls.get(nick)?.state, 'in-conference', 'the trunk answered after the digest challenge');

    const hangup = await p.signalling.request(el('iq', { type: 'set', to: occupant }, encodeRayoHangup()));
    assert.is(hangup.attrs.type, 'result');
    await p.signalling.client.next(leftRoom(occupant), 10_000, 'the callee leaves the room');
    assert.is(await trunk.sipp.exited, '0', 'the trunk saw a valid digest, answered, got the BYE');
  } finally {
    await trunk?.sipp.stop();
    await participant?.close();
    await env.close();
  }
});

test.run();
