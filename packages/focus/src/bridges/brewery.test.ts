import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { parseXml, serialize } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';
import { Brewery } from './brewery.ts';
import { BridgeRegistry } from './bridge-registry.ts';

const BREWERY = 'jvbbrewery@internal.plenum.localhost';
const xml = (s: string): El => {
  const r = parseXml(s);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

test('after making the brewery non-anonymous the focus announces itself again, once per join', async () => {
  const sent: El[] = [];
  const requests: El[] = [];
  const channel: StanzaChannel = {
    send: (s) => sent.push(s),
    request: async (iq) => {
      requests.push(iq);
      return xml(`<iq type='result' id='${iq.attrs.id ?? ''}'/>`);
    },
  };
  let n = 0;
  const brewery = new Brewery({
    channel,
    registry: new BridgeRegistry({ log: silentLogger, options: { healthTimeoutMs: 45_000, failureResetMs: 60_000, participantRampupMs: 20_000, defaultAverageParticipantStress: 0.01 } }),
    log: silentLogger, clock: new FakeClock(),
    ids: { next: () => `id${++n}` }, focusJid: 'focus.plenum.localhost/focus', breweryJid: BREWERY, nick: 'focus',
  });
  brewery.join();
  const self = xml(`<presence from='${BREWERY}/focus'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code='110'/></x></presence>`);
  brewery.handlePresence(self);
  await new Promise((r) => setImmediate(r));
  assert.is(requests.length, 1, 'the owner form was submitted');
  assert.match(serialize(requests[0] as El), /muc#roomconfig_whois/);
  const announcements = sent.filter((s) => s.name === 'presence' && s.attrs.type === undefined && s.children.length === 0);
  assert.is(announcements.length, 1, 'a plain presence update follows the form');
  // That update comes back as a self-presence: no second form, no loop.
  brewery.handlePresence(self);
  await new Promise((r) => setImmediate(r));
  assert.is(requests.length, 1);
});

test.run();
