// Table test over packages/xmpp/test/fixtures/jingle (house style C6): every fixture decodes to its
// sidecar, re-encodes to canonically the same XML, invalid-* fixtures yield their error code, and
// every fixture truncated at every length never makes the decoder throw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { El } from '../xml/index.ts';
import { firstEl, parseXml } from '../xml/index.ts';
import { decodeJingle, encodeJingle } from './index.ts';
import { canonicalXml, closeTruncated, loadFixtures, toJsonData } from './fixture-harness.test-helper.ts';

const DIR = new URL('../../../test/fixtures/jingle/', import.meta.url);
const BIG = { maxElementBytes: 1 << 20, maxDepth: 64, maxAttributes: 64 };
const fixtures = loadFixtures(DIR);

/** The fixtures hold whole IQs; the codec takes the IQ's payload element. */
const payload = (iq: El): El => {
  const p = firstEl(iq);
  if (p === undefined) throw new Error('fixture IQ has no payload');
  return p;
};

const table = suite('jingle fixtures');

table('the folder has the fixtures the brief asks for', () => {
  const names = new Set(fixtures.map((f) => f.name));
  for (const n of ['session-initiate-focus', 'session-accept-client', 'source-add-ssma', 'source-add-json', 'source-remove-ssma',
    'source-remove-json', 'session-terminate-restart', 'session-info-ice-state', 'invalid-missing-sid', 'invalid-unknown-media']) {
    assert.ok(names.has(n), `missing fixture ${n}`);
  }
  for (const f of fixtures) assert.match(f.provenance, /written from|captured/, `${f.name}: provenance`);
});

for (const fx of fixtures) {
  table(fx.name, () => {
    const jingle = payload(fx.element);
    const decoded = decodeJingle(jingle);
    if (fx.name.startsWith('invalid-')) {
      assert.ok(fx.expectError !== undefined, 'invalid fixture names its expected error');
      assert.is(decoded.ok ? 'ok' : decoded.error.code, fx.expectError);
      return;
    }
    if (!decoded.ok) assert.unreachable(`${decoded.error.code}: ${decoded.error.text}`);
    else {
      assert.ok(fx.expected !== undefined, 'valid fixture has a .json sidecar');
      assert.equal(toJsonData(decoded.value), fx.expected, 'decode = sidecar');
      assert.is(canonicalXml(encodeJingle(decoded.value)), canonicalXml(jingle), 'encode(decode(x)) = x');
      assert.equal(decodeJingle(encodeJingle(decoded.value)), decoded, 'decode(encode(v)) = v');
    }
  });
}

table('every fixture truncated at every length (then closed): parse, decode, never throws', () => {
  let decodedCount = 0;
  for (const fx of fixtures) {
    for (let n = 0; n <= fx.text.length; n++) {
      const parsed = parseXml(closeTruncated(fx.text.slice(0, n)), BIG);
      if (!parsed.ok) continue;
      const p = firstEl(parsed.value);
      if (p === undefined) continue;
      const r = decodeJingle(p);
      if (r.ok) encodeJingle(r.value);
      decodedCount++;
    }
  }
  assert.ok(decodedCount > 10_000, `${decodedCount} truncations reached the decoder`);
});

/** Every variant of `e` with one descendant element removed, or one attribute removed or garbled. */
function* mutations(e: El): Generator<El> {
  for (const key of Object.keys(e.attrs)) {
    const { [key]: _gone, ...rest } = e.attrs;
    yield { ...e, attrs: rest };
    yield { ...e, attrs: { ...e.attrs, [key]: '-1x\u0000' } };
  }
  for (let i = 0; i < e.children.length; i++) {
    const c = e.children[i];
    if (typeof c === 'string' || c === undefined) continue;
    yield { ...e, children: [...e.children.slice(0, i), ...e.children.slice(i + 1)] };
    for (const m of mutations(c)) yield { ...e, children: [...e.children.slice(0, i), m, ...e.children.slice(i + 1)] };
  }
}

table('every fixture with any one element dropped or any one attribute dropped/garbled: decode never throws', () => {
  let count = 0;
  for (const fx of fixtures) {
    for (const m of mutations(payload(fx.element))) {
      const r = decodeJingle(m);
      if (r.ok) encodeJingle(r.value);
      count++;
    }
  }
  assert.ok(count > 1000, `${count} mutations`);
});

table.run();
