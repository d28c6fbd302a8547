// Issue 8's proof, dial-in by header: sipp (the phone's signalling) calls the gateway with a
// `Jitsi-Conference-Room` header and a PCMU SDP whose audio port is this test's UDP socket (the
// phone's media: it plays a 1 kHz tone and records what the gateway sends). Our XMPP server, focus
// and bridge (testkit) and a werift participant playing 440 Hz are in the room. The participant
// sees the caller join with Jigasi's feature and a masked number, hears 1 kHz (decoded Opus),
// and the phone hears 440 Hz (μ-law). `*6` (RFC 4733) mutes and unmutes the caller (presence and
// packets), a moderator's remote mute reaches it; when sipp hangs up the caller leaves the room.
// A header naming a room of another domain gets 404; a phone that cancels while the gateway joins
// gets 487 and leaves nobody behind in the room.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '@plenum/xmpp/codec';
import { child, el, encodeMuteRequest } from '@plenum/xmpp/codec';
import { MediaParticipant } from '@plenum/testkit/media-participant';
import { OpusFrameDecoder, OpusFrameEncoder } from '../src/media/opus-codec.ts';
import { callerPresence, dialIn, displayNameOf, featuresOf, leftRoom, sleep, startGatewayStack } from './gateway-harness.ts';
import { PhoneMedia, dominantFrequency, rmsOf } from './gateway-phone.ts';
import { sineFrame } from './tone.ts';

const ROOM = 'phonecall';
const JIGASI = 'http://jitsi.org/protocol/jigasi';

/** The legacy `<audiomuted>` flag of a presence (Jigasi's, kept beside SourceInfo). */
const audioMutedOf = (e: El): string | undefined => {
  const m = child(e, 'audiomuted');
  return m === undefined ? undefined : m.children.filter((c): c is string => typeof c === 'string').join('');
};

/** Decodes every Opus packet `p` received (48 kHz mono) after the first `skip`. */
function heardByParticipant(p: MediaParticipant, skip: number): Int16Array {
  const opus = p.received.filter((r) => r.header.payloadType === p.negotiated.opusPayloadType).slice(skip);
  const out = new Int16Array(opus.length * 960);
  const decoder = new OpusFrameDecoder();
  const frame = new Int16Array(960);
  opus.forEach((r, i) => {
    decoder.decode(r.payload, frame);
    out.set(frame, i * 960);
  });
  return out;
}

test('a phone dials in by header: a foreign room gets 404, a CANCEL 487; in the room, audio flows both ways, *6 and the moderator mute it, its BYE removes it', async () => {
  const env = await startGatewayStack();
  let participant: MediaParticipant | undefined;
  const phone = await PhoneMedia.open();
  let toneTimer: ReturnType<typeof setInterval> | undefined;
  let sipp: Awaited<ReturnType<typeof dialIn>> | undefined;
  try {
    const refused = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-404.xml', phoneRtpPort: phone.port, room: 'standup@conference.elsewhere.example' });
    assert.is(await refused.exited, '0', 'a header naming another deployment\'s room gets 404 (sipp expects it)');
    assert.is(env.gateway.gateway.callCount, 0);
    // A phone that gives up while the gateway joins the room: 487, and the half-joined leg leaves.
    const cancelled = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-cancel.xml', phoneRtpPort: phone.port, room: ROOM });
    assert.is(await cancelled.exited, '0', 'CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE');
    for (let i = 0; i < 50 && env.gateway.gateway.callCount > 0; i++) await sleep(100);
    assert.is(env.gateway.gateway.callCount, 0, 'the cancelled call is over');

    participant = await MediaParticipant.join({ port: env.stack.server.tcpPort, room: ROOM });
    await participant.connected();
    const p = participant;
    // The participant talks: 440 Hz, one Opus frame every 20 ms.
    const encoder = new OpusFrameEncoder();
    let frameIndex = 0;
    toneTimer = setInterval(() => {
      p.sendAudio(Buffer.from(encoder.encode(sineFrame(440, { startSample: 960 * frameIndex++ }))), 30);
    }, 20);

    sipp = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in.xml', phoneRtpPort: phone.port, room: ROOM, callMs: 20_000 });
    const joined: El = await p.signalling.client.next(callerPresence(p), 20_000, 'the caller\'s presence');
    const callerOccupant = joined.attrs.from as string;
    assert.is(displayNameOf(joined), 'Phone •••• 67', 'the room sees the masked number');
    assert.ok(featuresOf(joined).includes(JIGASI), 'the caller has Jigasi\'s feature (a phone icon in Jitsi\'s app)');
    // The first caller the room saw is this call's: the cancelled one did not stay.
    assert.equal([...env.gateway.gateway.calls.keys()], [callerOccupant.split('/')[1]]);

    await phone.gatewayFound(10_000);
    phone.startTone(1000);
    // Give both directions a moment to settle, then listen for about 2 s each way.
    const before = p.received.filter((r) => r.header.payloadType === p.negotiated.opusPayloadType).length;
    const heardFrom = phone.heard.length;
    await sleep(2_500);
    const atParticipant = heardByParticipant(p, before + 25);
    assert.ok(atParticipant.length >= 48_000, `the participant got at least 1 s of the caller (${atParticipant.length} samples)`);
    assert.ok(rmsOf(atParticipant) > 300, 'the caller is not silent');
    const fAtParticipant = dominantFrequency(atParticipant.subarray(atParticipant.length - 48_000), 48_000);
    assert.ok(Math.abs(fAtParticipant - 1000) <= 20, `the participant hears the phone's 1 kHz (got ${fAtParticipant} Hz)`);
    const atPhone = phone.heard.slice(heardFrom + 8 * 500);
    assert.ok(atPhone.length >= 8_000, `the phone got at least 1 s (${atPhone.length} samples)`);
    assert.ok(rmsOf(atPhone) > 300, 'the phone does not hear silence');
    const fAtPhone = dominantFrequency(atPhone.slice(-8_000), 8_000);
    assert.ok(Math.abs(fAtPhone - 440) <= 20, `the phone hears the participant's 440 Hz (got ${fAtPhone} Hz)`);

    // *6 mutes: the room sees it and the caller's audio stops; *6 again unmutes.
    const opusFromCaller = (): number => p.received.filter((r) => r.header.payloadType === p.negotiated.opusPayloadType).length;
    await phone.pressKeys('*6');
    await p.signalling.client.next((e) => e.attrs.from === callerOccupant && audioMutedOf(e) === 'true', 5_000, 'the caller\'s muted presence');
    await sleep(300);
    const mutedAt = opusFromCaller();
    await sleep(1_000);
    assert.is(opusFromCaller(), mutedAt, 'nothing from the muted caller reaches the room');
    await phone.pressKeys('*6');
    await p.signalling.client.next((e) => e.attrs.from === callerOccupant && audioMutedOf(e) === 'false', 5_000, 'the caller\'s unmuted presence');
    await sleep(1_000);
    assert.ok(opusFromCaller() > mutedAt + 20, 'the unmuted caller is heard again');
    // A moderator's remote mute reaches the caller.
    const muted = await p.signalling.request(el('iq', { type: 'set', to: p.signalling.focusOccupant }, encodeMuteRequest({ media: 'audio', jid: callerOccupant, mute: true })));
    assert.is(muted.attrs.type, 'result', 'the focus takes the moderator\'s mute');
    await p.signalling.client.next((e) => e.attrs.from === callerOccupant && audioMutedOf(e) === 'true', 5_000, 'the caller muted by the moderator');

    // sipp hangs up 20 s after its ACK.
    await p.signalling.client.next(leftRoom(callerOccupant), 20_000, 'the caller leaves the room');
    assert.is(await sipp.exited, '0', 'sipp saw the whole call go as scripted (200 to its BYE)');
    assert.is(env.gateway.gateway.callCount, 0);
  } finally {
    if (toneTimer !== undefined) clearInterval(toneTimer);
    await sipp?.stop();
    phone.close();
    await participant?.close();
    await env.close();
  }
});

test.run();
