// Dial-in numbers and PIN from our own server in Jitsi's JSON shapes, and what is made of bad answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_WEB_CONFIG } from '../../shared/web-config.ts';
import { fetchDialInInfo, readNumbers, readPin } from './dial-in-info.ts';

const ROOM = 'room@conference.plenum.localhost';

test('both number list shapes read; junk is dropped', () => {
  assert.equal(readNumbers([{ countryCode: 'US', formattedNumber: '+1 555 0100', tollFree: false }, { countryCode: 'DE', formattedNumber: '+49 30 555', tollFree: true }, { formattedNumber: 5 }, null]),
    [{ country: 'US', number: '+1 555 0100', tollFree: false }, { country: 'DE', number: '+49 30 555', tollFree: true }]);
  assert.equal(readNumbers({ numbersEnabled: true, numbers: { US: ['+1 555 0100'], GB: ['+44 20 555', 7] } }),
    [{ country: 'US', number: '+1 555 0100', tollFree: false }, { country: 'GB', number: '+44 20 555', tollFree: false }]);
  assert.equal(readNumbers({ numbersEnabled: false, numbers: { US: ['+1 555 0100'] } }), []);
  assert.equal(readNumbers('nope'), []);
  assert.is(readPin({ id: 4815162342, conference: ROOM }), '4815162342');
  assert.is(readPin({ id: '12345' }), '12345');
  for (const bad of [{ id: -1 }, { id: 1.5 }, { id: '12#34' }, { id: '<b>' }, null, 'x']) assert.is(readPin(bad), undefined);
});

test('fetches the numbers, then the PIN for this room (from the focus, else over HTTP); nothing configured or nothing served means no dial-in', async () => {
  const asked: string[] = [];
  const fetcher = (async (url: URL | string) => {
    asked.push(String(url));
    const u = new URL(String(url));
    if (u.pathname === '/dial-in/numbers') return new Response(JSON.stringify([{ countryCode: 'US', formattedNumber: '+1 555 0100', tollFree: false }]));
    if (u.pathname === '/dial-in/code') return new Response(JSON.stringify({ id: 123456, conference: u.searchParams.get('conference') }));
    return new Response('', { status: 404 });
  }) as typeof fetch;
  const config = { ...DEFAULT_WEB_CONFIG, dialInNumbersUrl: '/dial-in/numbers', dialInConfCodeUrl: '/dial-in/code' };
  const focusSilent = async (): Promise<string | undefined> => undefined;
  assert.equal(await fetchDialInInfo(config, ROOM, focusSilent, fetcher), { numbers: [{ country: 'US', number: '+1 555 0100', tollFree: false }], pin: '123456' });
  assert.equal(asked, ['http://localhost/dial-in/numbers', `http://localhost/dial-in/code?conference=${encodeURIComponent(ROOM)}`]);
  asked.length = 0;
  assert.equal(await fetchDialInInfo(config, ROOM, async () => '98765432', fetcher), { numbers: [{ country: 'US', number: '+1 555 0100', tollFree: false }], pin: '98765432' });
  assert.equal(asked, ['http://localhost/dial-in/numbers'], "the focus's answer (locked rooms too) needs no HTTP lookup");
  assert.is(await fetchDialInInfo(DEFAULT_WEB_CONFIG, ROOM, focusSilent, fetcher), undefined, 'not configured');
  assert.is(await fetchDialInInfo({ ...config, dialInNumbersUrl: '/missing' }, ROOM, focusSilent, fetcher), undefined, 'no numbers served');
  const failing = (async () => { throw new TypeError('network'); }) as typeof fetch;
  assert.is(await fetchDialInInfo(config, ROOM, focusSilent, failing), undefined, 'unreachable');
});

test.run();
