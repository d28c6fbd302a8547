// The web server's dial-in endpoints over real HTTP (Jitsi's dialInNumbersUrl / dialInConfCodeUrl,
// protocols.md §7): the configured numbers, config.js pointing at them, and PINs — from a lookup
// function as npm start passes the focus's, and in a split deployment from a real focus's status
// server (XMPP server, focus and bridge from @plenum/testkit, a scripted participant in the room).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NS_PLENUM_DIAL_IN, child, el, encodeDialInQuery } from '@plenum/xmpp/codec';
import { ScriptedParticipant, startStack } from '@plenum/testkit';
import { startTestWebServer } from './web-server.test-helper.ts';

const NUMBERS = ['US:+1 555 0100', 'DE:+49 30 1234567:toll-free'];

async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') === true ? await res.json() : await res.text() };
}

test('numbers in Jitsi\'s format, config.js points at both endpoints, PINs come from the lookup it is given', async () => {
  const pins = new Map([['standup@conference.plenum.localhost', '48151623']]);
  const web = await startTestWebServer({ dialIn: { numbers: NUMBERS } }, { dialInDirectory: async (room) => pins.get(room) });
  try {
    const numbers = await getJson(web.port, '/dial-in/numbers');
    assert.is(numbers.status, 200);
    assert.equal(numbers.body, [
      { countryCode: 'US', formattedNumber: '+1 555 0100', tollFree: false },
      { countryCode: 'DE', formattedNumber: '+49 30 1234567', tollFree: true },
    ]);
    const configJs = await getJson(web.port, '/config.js');
    assert.match(String(configJs.body), '"dialInNumbersUrl": "/dial-in/numbers"');
    assert.match(String(configJs.body), '"dialInConfCodeUrl": "/dial-in/code"');

    // What jitsi-meet requests: `${dialInConfCodeUrl}?conference=${room}@${muc}`.
    const found = await getJson(web.port, '/dial-in/code?conference=Standup@conference.plenum.localhost');
    assert.is(found.status, 200);
    assert.equal(found.body, { message: 'Successfully retrieved conference mapping', id: 48151623, conference: 'standup@conference.plenum.localhost' });
    assert.is((await getJson(web.port, '/dial-in/code?conference=other@conference.plenum.localhost')).status, 404);
    assert.is((await getJson(web.port, '/dial-in/code?conference=standup@conference.evil.example')).status, 400);
    assert.is((await getJson(web.port, '/dial-in/code')).status, 400);
  } finally {
    await web.close();
  }
});

test('without numbers: no dial-in in config.js and both endpoints are 404', async () => {
  const web = await startTestWebServer();
  try {
    assert.not.match(String((await getJson(web.port, '/config.js')).body), 'dialIn');
    assert.is((await getJson(web.port, '/dial-in/numbers')).status, 404);
    assert.is((await getJson(web.port, '/dial-in/code?conference=a@conference.plenum.localhost')).status, 404);
  } finally {
    await web.close();
  }
});

test('split deployment: the web server asks the focus\'s status server, which knows the live room\'s PIN', async () => {
  const stack = await startStack({ focus: { http: { enabled: true, port: 0 } } });
  let web: Awaited<ReturnType<typeof startTestWebServer>> | undefined;
  let alice: ScriptedParticipant | undefined;
  try {
    web = await startTestWebServer({ dialIn: { numbers: NUMBERS, mapperUrl: `http://127.0.0.1:${stack.focus.httpPort}/dial-in/code` } });
    assert.is((await getJson(web.port, '/dial-in/code?conference=review@conference.plenum.localhost')).status, 404, 'no conference yet');
    alice = await ScriptedParticipant.join({ port: stack.server.tcpPort, room: 'review' });
    // The PIN as an occupant reads it over XMPP: the web server must give the same one.
    const reply = await alice.request(el('iq', { type: 'get', to: 'focus.plenum.localhost' }, encodeDialInQuery({ room: alice.roomJid })));
    const pin = child(reply, 'dial-in', NS_PLENUM_DIAL_IN)?.attrs.pin;
    assert.ok(pin !== undefined, JSON.stringify(reply));
    const found = await getJson(web.port, `/dial-in/code?conference=${alice.roomJid}`);
    assert.is(found.status, 200);
    assert.equal(found.body, { message: 'Successfully retrieved conference mapping', id: Number(pin), conference: alice.roomJid });
  } finally {
    alice?.close();
    await web?.close();
    await stack.close();
  }
});

test.run();
