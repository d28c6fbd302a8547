import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { el, iqResult, parseXml } from '@plenum/xmpp/codec';
import type { StanzaChannel } from '../ports.ts';
import { FeatureCache, capsOf, capsVerification } from './feature-cache.ts';

const xml = (s: string): El => {
  const r = parseXml(s.trim().replace(/>\s+</g, '><'));
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

const ver = suite('XEP-0115 §5 verification string');
ver('§5.2 simple example', () => {
  const q = xml(`<query xmlns='http://jabber.org/protocol/disco#info'>
    <identity category='client' name='Exodus 0.9.1' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>`);
  assert.is(capsVerification(q), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
});
ver('§5.3 complex example (languages, extended form)', () => {
  const q = xml(`<query xmlns='http://jabber.org/protocol/disco#info'>
    <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
    <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field><field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field><field var='software_version'><value>0.11</value></field>
    </x></query>`);
  assert.is(capsVerification(q), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
});
ver('caps from presence', () => {
  assert.equal(capsOf(el('presence', {}, el('c', { xmlns: 'http://jabber.org/protocol/caps', node: 'n', ver: 'v', hash: 'sha-1' }))), { node: 'n', ver: 'v', hash: 'sha-1' });
  assert.is(capsOf(el('presence')), undefined);
});
ver.run();

const cache = suite('feature cache');
const answering = (features: (to: string) => string[]): { channel: StanzaChannel; asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    channel: {
      send: () => undefined,
      request: async (iq) => {
        asked.push(iq.attrs.to ?? '');
        return iqResult({ ...iq, attrs: { ...iq.attrs, to: iq.attrs.to ?? '' } }, el('query', { xmlns: 'http://jabber.org/protocol/disco#info' },
          features(iq.attrs.to ?? '').map((f) => el('feature', { var: f }))));
      },
    },
  };
};
const verOf = (features: string[]): string =>
  capsVerification(el('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, features.map((f) => el('feature', { var: f }))));

cache('a verified answer is cached by caps; others with the same caps are not asked', async () => {
  const f = ['urn:xmpp:jingle:1', 'http://jitsi.org/json-encoded-sources'];
  const { channel, asked } = answering(() => f);
  const c = new FeatureCache({ channel, log: silentLogger, from: 'focus', timeoutMs: 100, maxEntries: 10 });
  const caps = { node: 'https://jitsi.org/jitsi-meet', ver: verOf(f), hash: 'sha-1' };
  assert.equal(await c.featuresOf('room/a', caps), f);
  assert.equal(await c.featuresOf('room/b', caps), f);
  assert.equal(asked, ['room/a']);
});

cache('an answer that does not match its caps is used for that occupant only (no cache poisoning)', async () => {
  const honest = ['urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:audio'];
  const { channel, asked } = answering((to) => (to === 'room/liar' ? ['urn:xmpp:jingle:1'] : honest));
  const c = new FeatureCache({ channel, log: silentLogger, from: 'focus', timeoutMs: 100, maxEntries: 10 });
  const caps = { node: 'n', ver: verOf(honest), hash: 'sha-1' };
  assert.equal(await c.featuresOf('room/liar', caps), ['urn:xmpp:jingle:1']);
  assert.equal(await c.featuresOf('room/honest', caps), honest);
  assert.equal(asked, ['room/liar', 'room/honest']);
});

cache('no answer: undefined (the caller assumes defaults)', async () => {
  const channel: StanzaChannel = { send: () => undefined, request: () => Promise.reject(new Error('timeout')) };
  const c = new FeatureCache({ channel, log: silentLogger, from: 'focus', timeoutMs: 100, maxEntries: 10 });
  assert.is(await c.featuresOf('room/x', undefined), undefined);
});
cache.run();
