import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJid, formatJid, bareJid, makeJid, escapeLocal, unescapeLocal } from './index.ts';

const parse = suite('parseJid (RFC 7622)');

const valid: [string, string][] = [
  ['plenum.localhost', 'plenum.localhost'],
  ['Alice@Plenum.Localhost', 'alice@plenum.localhost'],
  ['alice@plenum.localhost/Laptop Home', 'alice@plenum.localhost/Laptop Home'],
  ['room@conference.plenum.localhost/1a2b3c4d', 'room@conference.plenum.localhost/1a2b3c4d'],
  ['a@b/c/d@e', 'a@b/c/d@e'],
  ['example.org.', 'example.org'],
  ['ümlaut@bücher.example', 'ümlaut@bücher.example'],
  ['x@[::1]', 'x@[::1]'],
  ['d\\27artagnan@musketeers.lit', 'd\\27artagnan@musketeers.lit'],
];
for (const [input, canonical] of valid) {
  parse(`accepts ${input}`, () => {
    const r = parseJid(input);
    assert.ok(r.ok, input);
    if (r.ok) assert.is(formatJid(r.value), canonical);
  });
}

const invalid = ['', '@domain', 'user@', 'user@domain/', 'a b@domain', 'a"b@domain', "a'b@d", 'a<b@d', '@', 'x@-bad-.com',
  'x@do main', `${'a'.repeat(1024)}@d`, 'x@d/\u0000', 'x\u0007@d'];
for (const input of invalid) {
  parse(`refuses ${JSON.stringify(input).slice(0, 40)}`, () => {
    const r = parseJid(input);
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, 'jid-malformed');
  });
}

parse('the first slash ends the bare part, so "@" may follow in the resource', () => {
  const r = parseJid('d/e@f');
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value, { local: '', domain: 'd', resource: 'e@f' });
});

parse('bareJid drops the resource; makeJid validates parts', () => {
  const r = parseJid('Bob@Example.com/r');
  assert.ok(r.ok && bareJid(r.value) === 'bob@example.com');
  assert.not.ok(makeJid('a@b', 'example.com').ok);
  assert.ok(makeJid('a', 'example.com', 'r').ok);
});

const escaping = suite('XEP-0106 JID escaping');

const examples: [string, string][] = [
  // XEP-0106 §5 examples.
  ['space cadet', 'space\\20cadet'],
  ['call me "ishmael"', 'call\\20me\\20\\22ishmael\\22'],
  ['at&t guy', 'at\\26t\\20guy'],
  ["d'artagnan", 'd\\27artagnan'],
  ['/.fanboy', '\\2f.fanboy'],
  ['::foo::', '\\3a\\3afoo\\3a\\3a'],
  ['<foo>', '\\3cfoo\\3e'],
  ['user@host', 'user\\40host'],
  ['c:\\net', 'c\\3a\\net'],
  ['c:\\\\net', 'c\\3a\\\\net'],
  ['c:\\cool stuff', 'c\\3a\\cool\\20stuff'],
  ['c:\\5commas', 'c\\3a\\5c5commas'],
];
for (const [plain, escaped] of examples) {
  escaping(`${plain} ⇄ ${escaped}`, () => {
    assert.is(escapeLocal(plain), escaped);
    assert.is(unescapeLocal(escaped), plain);
    assert.ok(parseJid(`${escaped}@example.com`).ok, 'the escaped form is a valid localpart');
  });
}

parse.run();
escaping.run();
