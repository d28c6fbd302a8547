import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../xml/index.ts';
import { parseXml } from '../xml/index.ts';
import {
  affiliationRank, decodeMucAdminQuery, decodeMucItem, decodeMucJoin, decodeMucUserX, encodeMucAdminQuery,
  encodeMucItem, encodeMucJoin, encodeMucUserX, roleRank,
} from './index.ts';

const xml = (s: string): El => {
  const r = parseXml(s.trim().replace(/>\s+</g, '><'));
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

// Shapes from XEP-0045 examples (§7.2.3 presence, §8.2 kick, §10.9 destroy, §7.8.2 invite).
const KICKED = `
<x xmlns='http://jabber.org/protocol/muc#user'>
  <item affiliation='none' role='none'><actor nick='Fluellen'/><reason>Avaunt, you cullion!</reason></item>
  <status code='110'/><status code='307'/>
</x>`;
const DESTROYED = `
<x xmlns='http://jabber.org/protocol/muc#user'>
  <item affiliation='none' role='none'/>
  <destroy jid='coven@chat.shakespeare.lit'><reason>Macbeth doth come.</reason></destroy>
</x>`;
const INVITE = `
<x xmlns='http://jabber.org/protocol/muc#user'>
  <invite to='hecate@shakespeare.lit'><reason>Hey Hecate</reason></invite>
</x>`;

const user = suite('muc#user (XEP-0045 §19.2)');

user('kick presence: item with actor and reason, status codes', () => {
  const r = decodeMucUserX(xml(KICKED));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.items, [{ affiliation: 'none', role: 'none', actor: { nick: 'Fluellen' }, reason: 'Avaunt, you cullion!' }]);
  assert.equal(r.value.statuses, [110, 307]);
  assert.equal(decodeMucUserX(encodeMucUserX(r.value)), r, 'round trip');
});

user('destroy and invite', () => {
  const d = decodeMucUserX(xml(DESTROYED));
  assert.ok(d.ok && d.value.destroy?.jid === 'coven@chat.shakespeare.lit' && d.value.destroy.reason === 'Macbeth doth come.');
  const i = decodeMucUserX(xml(INVITE));
  assert.ok(i.ok);
  if (!i.ok) return;
  assert.equal(i.value.invites, [{ to: 'hecate@shakespeare.lit', reason: 'Hey Hecate' }]);
  assert.equal(decodeMucUserX(encodeMucUserX(i.value)), i);
});

const invalidUser: ReadonlyArray<readonly [string, string, string]> = [
  ['bad affiliation', `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='king'/></x>`, 'muc/bad-affiliation'],
  ['bad role', `<x xmlns='http://jabber.org/protocol/muc#user'><item role='boss'/></x>`, 'muc/bad-role'],
  ['bad status', `<x xmlns='http://jabber.org/protocol/muc#user'><status code='abc'/></x>`, 'muc/bad-item'],
  ['wrong namespace', `<x xmlns='http://jabber.org/protocol/muc'/>`, 'muc/unexpected-element'],
];
for (const [name, input, code] of invalidUser) {
  user(`invalid: ${name} → ${code}`, () => {
    const r = decodeMucUserX(xml(input));
    assert.is(r.ok ? 'ok' : r.error.code, code);
  });
}

user.run();

const join = suite('join <x xmlns=muc> (XEP-0045 §7.2.1, §7.2.5, §7.2.14)');

join('password and history limits', () => {
  const r = decodeMucJoin(xml(`<x xmlns='http://jabber.org/protocol/muc'><password>cauldronburn</password>
    <history maxchars='65000' maxstanzas='20' seconds='180' since='1970-01-01T00:00:01Z'/></x>`));
  assert.equal(r, { ok: true, value: { password: 'cauldronburn', history: { maxChars: 65000, maxStanzas: 20, seconds: 180, sinceMs: 1000 } } });
  if (r.ok) assert.equal(decodeMucJoin(encodeMucJoin(r.value)), r);
  assert.equal(decodeMucJoin(xml(`<x xmlns='http://jabber.org/protocol/muc'/>`)), { ok: true, value: {} });
});

const badHistory = [`maxstanzas='-1'`, `seconds='1.5'`, `maxchars='x'`, `since='yesterday'`, `since='2020-13-45T99:99:99Z'`];
for (const attr of badHistory) {
  join(`invalid history ${attr} → muc/bad-history`, () => {
    const r = decodeMucJoin(xml(`<x xmlns='http://jabber.org/protocol/muc'><history ${attr}/></x>`));
    assert.is(r.ok ? 'ok' : r.error.code, 'muc/bad-history');
  });
}

join.run();

const admin = suite('muc#admin queries (XEP-0045 §8–§10, §17.4)');

admin('kick and affiliation items decode; round trip', () => {
  const q = xml(`<query xmlns='http://jabber.org/protocol/muc#admin'>
    <item nick='pistol' role='none'><reason>Avaunt</reason></item><item affiliation='outcast' jid='earlofcambridge@shakespeare.lit'/></query>`);
  const r = decodeMucAdminQuery(q);
  assert.equal(r, { ok: true, value: [{ role: 'none', nick: 'pistol', reason: 'Avaunt' }, { affiliation: 'outcast', jid: 'earlofcambridge@shakespeare.lit' }] });
  if (r.ok) assert.equal(decodeMucAdminQuery(encodeMucAdminQuery(r.value)), r);
});

const invalidAdmin: ReadonlyArray<readonly [string, string]> = [
  ['no items', `<query xmlns='http://jabber.org/protocol/muc#admin'/>`],
  ['role and affiliation together', `<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='a' role='none' affiliation='none'/></query>`],
  ['neither role nor affiliation', `<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='a'/></query>`],
  ['too many items', `<query xmlns='http://jabber.org/protocol/muc#admin'>${"<item nick='a' role='none'/>".repeat(101)}</query>`],
];
for (const [name, input] of invalidAdmin) {
  admin(`invalid: ${name}`, () => {
    const r = decodeMucAdminQuery(xml(input));
    assert.is(r.ok ? 'ok' : r.error.code, 'muc/bad-item');
  });
}

admin('ranks order affiliations and roles', () => {
  assert.ok(affiliationRank('owner') > affiliationRank('admin') && affiliationRank('member') > affiliationRank('none') && affiliationRank('none') > affiliationRank('outcast'));
  assert.ok(roleRank('moderator') > roleRank('participant') && roleRank('visitor') > roleRank('none'));
  assert.equal(decodeMucItem(encodeMucItem({ affiliation: 'member', jid: 'a@b', nick: 'n', role: 'participant' })),
    { ok: true, value: { affiliation: 'member', role: 'participant', jid: 'a@b', nick: 'n' } });
});

admin('decoders never throw on any sub-element of the fixtures', () => {
  const walk = (e: El): void => {
    decodeMucUserX(e); decodeMucJoin(e); decodeMucAdminQuery(e); decodeMucItem(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  for (const f of [KICKED, DESTROYED, INVITE]) walk(xml(f));
});

admin.run();
