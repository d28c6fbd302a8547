// Issue 8's proof, dial-in by PIN: sipp calls the gateway without a room header; the phone's media
// (this test's UDP socket) presses keys as RFC 4733 telephone-events. Our XMPP server, focus (with
// its PIN directory) and bridge (testkit) run; a werift participant (the moderator) is in the room
// and asks the focus for the room's PIN like the web app's invite dialog does. A caller who types
// a wrong PIN three times is hung up on (the gateway's BYE ends sipp's scenario) and never appears
// in the room. The moderator then locks the room with a password: a caller naming it by header
// without the password gets 403, with it (Jitsi-Conference-Room-Pass) gets in, and a caller who
// types the right PIN joins too (the focus's answer carries the password) as a masked number; when
// the moderator kicks them, the gateway hangs up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FORM_MUC_ROOMCONFIG, NS_MUC_OWNER, NS_PLENUM_DIAL_IN, child, decodeDialInResult, el, encodeDataForm, encodeDialInQuery, formTypeField,
} from '@plenum/xmpp/codec';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { MUC_DOMAIN, callerPresence, dialIn, displayNameOf, kickIq, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';
import { PhoneMedia, rmsOf } from './gateway-phone.ts';

const ROOM = 'pinroom';

test('PIN dial-in: three wrong PINs end the call; the right PIN joins a locked room that refuses a header caller; a kick hangs up', async () => {
  const env = await startGatewayStack();
  let participant: MediaParticipant | undefined;
  const phones: PhoneMedia[] = [];
  const sipps: Awaited<ReturnType<typeof dialIn>>[] = [];
  try {
    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;
    const reply = await p.signalling.request(el('iq', { type: 'get', to: 'focus.plenum.localhost' }, encodeDialInQuery({ room: `${ROOM}@${MUC_DOMAIN}` })));
    const result = decodeDialInResult(child(reply, 'dial-in', NS_PLENUM_DIAL_IN) ?? el('none'));
    assert.ok(result.ok, 'the focus gives an occupant the room\'s PIN');
    const pin = result.value.pin;
    const wrong = pin === '11111111' ? '22222222' : '11111111';

    // A caller who cannot remember the PIN.
    const lost = await PhoneMedia.open();
    phones.push(lost);
    const lostSipp = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-wait-bye.xml', phoneRtpPort: lost.port, room: undefined });
    sipps.push(lostSipp);
    await lost.gatewayFound(10_000);
    await sleep(1_500);
    assert.ok(rmsOf(lost.heard) > 200, 'the caller hears the spoken welcome prompt');
    for (let attempt = 0; attempt < 3; attempt++) {
      await lost.pressKeys(`${wrong}#`);
      await sleep(300);
    }
    assert.is(await lostSipp.exited, '0', 'after the third wrong PIN the gateway hangs up (sipp answered its BYE)');
    assert.is(env.gateway.gateway.callCount, 0);

    // The moderator locks the room: a header caller without the password is refused with 403 …
    const locked = await p.signalling.request(el('iq', { type: 'set', to: p.signalling.roomJid }, el('query', { xmlns: NS_MUC_OWNER },
      encodeDataForm({ type: 'submit', fields: [formTypeField(FORM_MUC_ROOMCONFIG), { var: 'muc#roomconfig_roomsecret', values: ['s3cret'] }] }))));
    assert.is(locked.attrs.type, 'result', 'the moderator sets a room password');
    const refused = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-403.xml', phoneRtpPort: lost.port, room: ROOM });
    sipps.push(refused);
    assert.is(await refused.exited, '0', 'a header caller for the locked room without its password gets 403');
    // … one with the password in Jitsi-Conference-Room-Pass gets in (and hangs up after 4 s).
    const withPassword = await PhoneMedia.open();
    phones.push(withPassword);
    const passSipp = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in.xml', phoneRtpPort: withPassword.port, room: ROOM, password: 's3cret', callMs: 4_000 });
    sipps.push(passSipp);
    const passJoined = await p.signalling.client.next(callerPresence(p), 20_000, 'the caller with the password');
    // The first caller presence the room saw is this call's: neither the lost caller nor the refused one got in.
    assert.equal([...env.gateway.gateway.calls.keys()], [(passJoined.attrs.from as string).split('/')[1]]);
    await p.signalling.client.next(leftRoom(passJoined.attrs.from as string), 20_000, 'the caller with the password hangs up');
    assert.is(await passSipp.exited, '0');
    for (let i = 0; i < 50 && env.gateway.gateway.callCount > 0; i++) await sleep(100);

    // … while a caller with the right PIN gets in: the PIN is the secret (a stray `*` first: it starts the entry over).
    const caller = await PhoneMedia.open();
    phones.push(caller);
    const callerSipp = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-wait-bye.xml', phoneRtpPort: caller.port, room: undefined });
    sipps.push(callerSipp);
    await caller.gatewayFound(10_000);
    await caller.pressKeys(`9*${pin}#`);
    const joined = await p.signalling.client.next(callerPresence(p), 20_000, 'the PIN caller\'s presence');
    assert.is(displayNameOf(joined), 'Phone •••• 67');
    const occupant = joined.attrs.from as string;
    // The PIN caller's presence is the next one (the password caller has left).
    assert.equal([...env.gateway.gateway.calls.keys()], [occupant.split('/')[1]]);
    const nick = occupant.split('/')[1] as string;
    for (let i = 0; i < 200 && env.gateway.gateway.calls.get(nick)?.state !== 'in-conference'; i++) await sleep(100);
    assert.is(env.gateway.gateway.calls.get(nick)?.state, 'in-conference', 'the caller\'s media is up with the bridge');
    const kicked = await p.signalling.request(kickIq(p.signalling.roomJid, nick));
    assert.is(kicked.attrs.type, 'result', 'the moderator may kick the caller');
    await p.signalling.client.next(leftRoom(occupant), 10_000, 'the caller is out of the room');
    assert.is(await callerSipp.exited, '0', 'the kicked caller\'s phone got the gateway\'s BYE');
    assert.is(env.gateway.gateway.callCount, 0);
  } finally {
    for (const s of sipps) await s.stop();
    for (const phone of phones) phone.close();
    await participant?.close();
    await env.close();
  }
});

test.run();
