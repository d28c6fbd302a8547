// Dial-out hung up while the phone rings: a moderator's Rayo dial reaches a sipp callee that rings
// (180) and never answers (the SIP tests' fixtures/sip/uas-no-answer.xml); the callee's occupant
// shows "Ringing"; the moderator's Rayo hangup then CANCELs the INVITE — sipp's scenario completes
// only if it receives the CANCEL, answers 487 and gets the ACK — and the callee leaves the room with
// no call and no SIP dialog left at the gateway.
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { NS_RAYO, child, decodeRayoRef, el, encodeRayoDial, encodeRayoHangup } from '@plenum/xmpp/codec';
import type { ReapedProcess } from '@plenum/testkit';
import { errorCondition, freePort, freeUdpPort, spawnReaped } from '@plenum/testkit';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { MUC_DOMAIN, callerPresence, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';

const ROOM = 'dialout-cancel';
const RINGS_FOREVER = fileURLToPath(new URL('./fixtures/sip/uas-no-answer.xml', import.meta.url));

const statusOf = (e: El): string | undefined => {
  const s = child(e, 'status');
  return s === undefined ? undefined : s.children.filter((c): c is string => typeof c === 'string').join('');
};

test('a Rayo hangup while the callee rings: CANCEL, 487, the callee leaves the room, nothing left behind', async () => {
  const env = await startGatewayStack(process.env.GW_LOG ? { log: { level: 'debug' } } : {});
  let participant: MediaParticipant | undefined;
  let sipp: ReapedProcess | undefined;
  try {
    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;
    const sipPort = await freeUdpPort();
    sipp = await spawnReaped('sipp', [
      '-sf', RINGS_FOREVER, '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(await freeUdpPort()), '-cp', String(await freePort()),
      '-m', '1', '-nostdin', '-timeout', '60', '-timeout_error',
    ]);
    const dial = el('iq', { type: 'set', to: p.signalling.focusOccupant },
      encodeRayoDial({ to: `sip:+15550142@127.0.0.1:${sipPort}`, from: 'fromnumber', headers: { JvbRoomName: `${ROOM}@${MUC_DOMAIN}` } }));
    // The gateway's brewery presence may reach the focus a moment after it started: retry while the focus knows none.
    let reply: El | undefined;
    for (let attempt = 0; attempt < 50 && reply === undefined; attempt++) {
      const r = await p.signalling.request(dial, 20_000);
      if (errorCondition(r) === 'service-unavailable') await sleep(100);
      else reply = r;
    }
    assert.is(reply?.attrs.type, 'result', 'the focus forwards the dial to the gateway');
    const ref = decodeRayoRef(child(reply as El, 'ref', NS_RAYO) ?? el('none'));
    assert.ok(ref.ok, 'the dial result carries the call\'s ref');
    const occupant = ref.value.uri.replace(/^xmpp:/, '');
    await p.signalling.client.next(callerPresence(p, occupant.split('/')[1]), 20_000, 'the callee\'s presence');
    await p.signalling.client.next((e) => e.attrs.from === occupant && statusOf(e) === 'Ringing', 10_000, 'the callee rings');
    assert.is(env.gateway.gateway.callCount, 1);

    const hangup = await p.signalling.request(el('iq', { type: 'set', to: occupant }, encodeRayoHangup()));
    assert.is(hangup.attrs.type, 'result', 'the gateway takes the hangup');
    await p.signalling.client.next(leftRoom(occupant), 10_000, 'the callee leaves the room');
    assert.is(await sipp.exited, '0', 'sipp received CANCEL, answered 487 and got the ACK');
    assert.is(env.gateway.gateway.callCount, 0, 'no call left at the gateway');
  } finally {
    await sipp?.stop();
    await participant?.close();
    await env.close();
  }
});

test.run();
