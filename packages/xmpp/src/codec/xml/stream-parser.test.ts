import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El, XmlError } from './index.ts';
import { XmlStreamParser, parseXml, serialize, el } from './index.ts';

type Events = { open: El[]; elements: El[]; closed: number; errors: XmlError[] };

function streamOf(chunks: string[], limits?: ConstructorParameters<typeof XmlStreamParser>[2]): Events {
  const ev: Events = { open: [], elements: [], closed: 0, errors: [] };
  const p = new XmlStreamParser('stream', {
    onOpen: (e) => ev.open.push(e),
    onElement: (e) => ev.elements.push(e),
    onClose: () => ev.closed++,
    onError: (e) => ev.errors.push(e),
  }, limits);
  for (const c of chunks) p.write(c);
  return ev;
}

const HEADER = `<?xml version='1.0'?><stream:stream to='plenum.localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
const MESSAGE = `<message to='a@b' type='chat' id='m1'><body>hi &amp; &lt;bye&gt; &#x1F600;</body><x xmlns='urn:x'/></message>`;

const stream = suite('stream mode');

stream('emits the root, each stanza whole, then the close', () => {
  const ev = streamOf([HEADER + MESSAGE + `<presence/></stream:stream>`]);
  assert.equal(ev.errors, []);
  assert.is(ev.open[0]?.name, 'stream:stream');
  assert.is(ev.open[0]?.attrs.to, 'plenum.localhost');
  assert.is(ev.elements.length, 2);
  assert.is(ev.elements[0]?.attrs.id, 'm1');
  assert.equal(ev.elements[0]?.children[0], { name: 'body', attrs: {}, children: ['hi & <bye> 😀'] });
  assert.is(ev.closed, 1);
});

stream('reassembles a stanza split at every byte position', () => {
  const input = HEADER + MESSAGE;
  const whole = streamOf([input]).elements.map(serialize);
  for (let cut = 1; cut < input.length; cut++) {
    const ev = streamOf([input.slice(0, cut), input.slice(cut)]);
    assert.equal(ev.errors, [], `cut at ${cut}`);
    assert.equal(ev.elements.map(serialize), whole, `cut at ${cut}`);
  }
  const ev = streamOf([...input]);
  assert.equal(ev.elements.map(serialize), whole, 'one character at a time');
});

stream('keeps attribute values with > and quotes', () => {
  const ev = streamOf([HEADER, `<iq id="a>b" type='get' x="it's"><q a='say "hi"'/></iq>`]);
  assert.equal(ev.errors, []);
  assert.is(ev.elements[0]?.attrs.id, 'a>b');
  assert.is(ev.elements[0]?.attrs.x, "it's");
});

stream('whitespace keepalives between stanzas are ignored', () => {
  const ev = streamOf([HEADER, ' \n ', '<presence/>', '\n']);
  assert.equal(ev.errors, []);
  assert.is(ev.elements.length, 1);
});

stream('CDATA becomes text', () => {
  const ev = streamOf([HEADER, '<message><body><![CDATA[<b>&]]></body></message>']);
  assert.equal(ev.errors, []);
  assert.equal(ev.elements[0]?.children[0], { name: 'body', attrs: {}, children: ['<b>&'] });
});

const hostile = suite('hostile input');

const conditionOf = (chunks: string[], limits?: ConstructorParameters<typeof XmlStreamParser>[2]) => {
  const ev = streamOf(chunks, limits);
  assert.is(ev.errors.length, 1, 'exactly one error');
  return ev.errors[0]?.condition;
};

hostile('a DTD (billion laughs) is restricted-xml', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><stream:stream>`;
  assert.is(conditionOf([laughs]), 'restricted-xml');
});

hostile('an entity reference is restricted-xml', () => {
  assert.is(conditionOf([HEADER, '<message><body>&lol9;</body></message>']), 'restricted-xml');
});

hostile('comments and processing instructions are restricted-xml', () => {
  assert.is(conditionOf([HEADER, '<!-- hi -->']), 'restricted-xml');
  assert.is(conditionOf([HEADER, '<message><?php x ?></message>']), 'restricted-xml');
});

hostile('malformed markup is not-well-formed', () => {
  for (const bad of ['<message><body></message>', '<message a=1/>', '<message a="1" a="2"/>', '</iq>',
    '<message>&bogus</message>', '<message a="x<y"/>', 'plain text', '<1bad/>', '<m>&#0;</m>', '<m>&#xD800;</m>']) {
    assert.is(conditionOf([HEADER, bad]), 'not-well-formed', bad);
  }
});

hostile('names are checked character by character; end tags must match exactly', () => {
  for (const bad of ['<-a/>', '<éa/>', '<a b§="1"/>', '<a ="1"/>', '<iq></iqx>', '<iqx></iq>', '<iq></i>']) {
    assert.is(conditionOf([HEADER, bad]), 'not-well-formed', bad);
  }
  const ev = streamOf([HEADER, '<iq:x a.b-c_d:e="1"><café xmlns="u"/></iq:x \n>', '<presence></presence\t>']);
  assert.equal(ev.errors, []);
  assert.equal(ev.elements.map((e) => e.name), ['iq:x', 'presence']);
  assert.is(ev.elements[0]?.attrs['a.b-c_d:e'], '1');
});

hostile('an oversized stanza is a policy-violation before it is buffered whole', () => {
  const limits = { maxElementBytes: 1024, maxDepth: 8, maxAttributes: 4 };
  const ev = streamOf([HEADER, '<message><body>', 'x'.repeat(1000), 'y'.repeat(1000)], limits);
  assert.is(ev.errors[0]?.condition, 'policy-violation');
  assert.is(conditionOf([HEADER, `<message a="${'x'.repeat(2000)}`], limits), 'policy-violation');
  assert.is(conditionOf([HEADER, '<a>'.repeat(9)], limits), 'policy-violation');
  assert.is(conditionOf([HEADER, '<a b="1" c="1" d="1" e="1" f="1"/>'], limits), 'policy-violation');
});

hostile('size is counted in UTF-8 bytes', () => {
  const limits = { maxElementBytes: 100, maxDepth: 8, maxAttributes: 4 };
  // 40 characters of 3 bytes each: 120 bytes, though only 40 UTF-16 units.
  assert.is(conditionOf([HEADER, `<m>${'€'.repeat(40)}</m>`], limits), 'policy-violation');
  assert.equal(streamOf([HEADER, `<m>${'e'.repeat(40)}</m>`], limits).errors, []);
});

hostile('after an error nothing more is reported', () => {
  const ev = streamOf([HEADER, '<!DOCTYPE x>', '<presence/>']);
  assert.is(ev.errors.length, 1);
  assert.is(ev.elements.length, 0);
});

hostile('__proto__ is an ordinary attribute', () => {
  const r = parseXml('<x __proto__="a" constructor="b"/>');
  assert.ok(r.ok);
  if (r.ok) assert.is(r.value.attrs.__proto__, 'a');
});

const frames = suite('fragment mode and round trip');

frames('parseXml takes exactly one element', () => {
  assert.ok(parseXml(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x' version='1.0'/>`).ok);
  assert.not.ok(parseXml('<a/><b/>').ok);
  assert.not.ok(parseXml('<a>').ok);
  assert.not.ok(parseXml('').ok);
});

frames('serialize escapes and parse restores', () => {
  const e = el('message', { to: 'a"b', id: `<&'>` }, el('body', {}, 'x < y & z > w'), el('empty'));
  const s = serialize(e);
  const back = parseXml(s);
  assert.ok(back.ok);
  if (back.ok) assert.is(serialize(back.value), s);
  assert.equal(back.ok && back.value.attrs.to, 'a"b');
});

frames('every truncation of a stanza is an error, never a throw', () => {
  const full = MESSAGE;
  for (let i = 0; i < full.length; i++) {
    const r = parseXml(full.slice(0, i));
    assert.not.ok(r.ok, `truncated at ${i}`);
  }
});

stream.run();
hostile.run();
frames.run();
