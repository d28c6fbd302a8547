import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../xml/index.ts';
import { parseXml, serialize } from '../xml/index.ts';
import { decodeDataForm, encodeDataForm, fieldValue, formTypeOf, parseFormBoolean } from './index.ts';

const xml = (s: string): El => {
  const r = parseXml(s.trim().replace(/>\s+</g, '><'));
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

// A configuration form as Prosody-style MUC services send it (XEP-0045 §10.2, example 163, trimmed).
const CONFIG_FORM = `
<x xmlns='jabber:x:data' type='form'>
  <title>Configuration for "coven" Room</title>
  <instructions>Complete and submit this form.</instructions>
  <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
  <field label='Natural-Language Room Name' type='text-single' var='muc#roomconfig_roomname'><value>A Dark Cave</value></field>
  <field label='Moderated?' type='boolean' var='muc#roomconfig_moderatedroom'><value>0</value></field>
  <field label='Who May Discover Real JIDs?' type='list-single' var='muc#roomconfig_whois'>
    <value>moderators</value>
    <option label='Moderators Only'><value>moderators</value></option>
    <option label='Anyone'><value>anyone</value></option>
  </field>
  <field type='fixed'><value>Some words</value></field>
  <field type='jid-multi' var='muc#roomconfig_roomadmins'><required/><value>a@b</value><value>c@d</value></field>
</x>`;

const forms = suite('data forms (XEP-0004)');

forms('decodes a form and encodes it back to the same XML', () => {
  const input = xml(CONFIG_FORM);
  const decoded = decodeDataForm(input);
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  const f = decoded.value;
  assert.is(f.type, 'form');
  assert.is(f.title, 'Configuration for "coven" Room');
  assert.equal(f.instructions, ['Complete and submit this form.']);
  assert.is(formTypeOf(f), 'http://jabber.org/protocol/muc#roomconfig');
  assert.is(fieldValue(f, 'muc#roomconfig_roomname'), 'A Dark Cave');
  assert.equal(f.fields[3]?.options, [{ value: 'moderators', label: 'Moderators Only' }, { value: 'anyone', label: 'Anyone' }]);
  assert.equal(f.fields[5]?.values, ['a@b', 'c@d']);
  assert.is(f.fields[5]?.isRequired, true);
  assert.is(fieldValue(f, 'absent'), undefined);
  const again = decodeDataForm(encodeDataForm(f));
  assert.equal(again, decoded, 'decode(encode(x)) = decode(x)');
  assert.is(serialize(encodeDataForm(f)).includes('<value>A Dark Cave</value>'), true);
});

forms('an empty submit is valid (instant room, XEP-0045 §10.1.2)', () => {
  const r = decodeDataForm(xml(`<x xmlns='jabber:x:data' type='submit'/>`));
  assert.equal(r, { ok: true, value: { type: 'submit', fields: [] } });
});

const invalid: ReadonlyArray<readonly [string, string, string]> = [
  ['wrong namespace', `<x xmlns='jabber:x:oob' type='form'/>`, 'data-form/not-a-form'],
  ['wrong element', `<form xmlns='jabber:x:data' type='form'/>`, 'data-form/not-a-form'],
  ['missing type', `<x xmlns='jabber:x:data'/>`, 'data-form/bad-type'],
  ['unknown type', `<x xmlns='jabber:x:data' type='draft'/>`, 'data-form/bad-type'],
  ['field without var', `<x xmlns='jabber:x:data' type='submit'><field type='text-single'><value>x</value></field></x>`, 'data-form/bad-field'],
  ['unknown field type', `<x xmlns='jabber:x:data' type='submit'><field var='a' type='color'/></x>`, 'data-form/bad-field'],
  ['duplicate var', `<x xmlns='jabber:x:data' type='submit'><field var='a'/><field var='a'/></x>`, 'data-form/duplicate-field'],
];
for (const [name, input, code] of invalid) {
  forms(`invalid: ${name} → ${code}`, () => {
    const r = decodeDataForm(xml(input));
    assert.is(r.ok ? 'ok' : r.error.code, code);
  });
}

forms('booleans: the four lexical forms, anything else undefined', () => {
  assert.equal(['1', 'true', '0', 'false', ' true ', 'yes', ''].map(parseFormBoolean), [true, true, false, false, true, undefined, undefined]);
});

forms('never throws on any sub-element of the fixture', () => {
  const walk = (e: El): void => {
    decodeDataForm(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(xml(CONFIG_FORM));
});

forms.run();
