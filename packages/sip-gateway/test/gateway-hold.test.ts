// Hold and resume (RFC 3264 §8.4): sipp puts a header dial-in call on hold with a re-INVITE
// `a=sendonly` and resumes it with `a=sendrecv`. The gateway answers both through the phone's
// port: while on hold it sends the phone nothing (the test's RTP socket sees a gap of at least the
// hold's length), after the resume the audio comes back, and the call goes on to a normal BYE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dialIn, startGatewayStack } from './gateway-harness.ts';
import { PhoneMedia } from './gateway-phone.ts';

/** How long each phase (talking, on hold, resumed) lasts in the scenario. */
const PHASE_MS = 4_000;

test('a phone holds and resumes: no audio to it while on hold, audio again after the resume', async () => {
  const env = await startGatewayStack();
  const phone = await PhoneMedia.open();
  let sipp: Awaited<ReturnType<typeof dialIn>> | undefined;
  try {
    sipp = await dialIn({ sipPort: env.sipPort, scenario: 'dial-in-hold.xml', phoneRtpPort: phone.port, room: 'holdroom', callMs: PHASE_MS });
    assert.is(await sipp.exited, '0', 'both re-INVITEs answered 200, the BYE too');
    const t = phone.arrivals;
    assert.ok(t.length > 2, 'the phone got audio');
    // The longest silence between two packets: t[gapAt - 1] → t[gapAt].
    const gap = (i: number): number => (t[i] as number) - (t[i - 1] as number);
    let gapAt = 1;
    for (let i = 2; i < t.length; i++) if (gap(i) > gap(gapAt)) gapAt = i;
    const gapMs = gap(gapAt);
    assert.ok(gapMs >= PHASE_MS - 1_000, `nothing reached the phone while on hold (longest gap ${Math.round(gapMs)} ms)`);
    assert.ok(gapAt >= 25, `audio before the hold (${gapAt} packets)`);
    assert.ok(t.length - gapAt >= 25, `audio after the resume (${t.length - gapAt} packets)`);
  } finally {
    await sipp?.stop();
    phone.close();
    await env.close();
  }
});

test.run();
