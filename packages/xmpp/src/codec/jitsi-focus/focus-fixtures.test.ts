// Table test over packages/xmpp/test/fixtures/focus (house style C6): conference request/response
// and mute IQs decode to their sidecars, re-encode canonically equal, invalid-* fixtures yield their
// code, and truncated or mutated fixtures never make a decoder throw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Result } from '@plenum/kit';
import type { El } from '../xml/index.ts';
import { firstEl, parseXml } from '../xml/index.ts';
import { canonicalXml, closeTruncated, loadFixtures, toJsonData } from '../xep-0166-jingle/fixture-harness.test-helper.ts';
import type { FocusCodecError } from './index.ts';
import {
  decodeConferenceRequest, decodeConferenceResponse, decodeMuteRequest, encodeConferenceRequest, encodeConferenceResponse,
  encodeMuteRequest,
} from './index.ts';

const DIR = new URL('../../../test/fixtures/focus/', import.meta.url);
const fixtures = loadFixtures(DIR);

type Codec = { decode: (e: El) => Result<unknown, FocusCodecError>; encode: (v: never) => El };
const request: Codec = { decode: decodeConferenceRequest, encode: encodeConferenceRequest };
const response: Codec = { decode: decodeConferenceResponse, encode: encodeConferenceResponse };
const mute: Codec = { decode: decodeMuteRequest, encode: encodeMuteRequest };

/** Which codec a fixture IQ is for: its payload's name, and for `<conference>` the IQ type. */
function codecFor(iq: El): { codec: Codec; payload: El } {
  const payload = firstEl(iq);
  if (payload === undefined) throw new Error('fixture IQ has no payload');
  if (payload.name === 'mute') return { codec: mute, payload };
  return { codec: iq.attrs.type === 'result' ? response : request, payload };
}

const table = suite('focus fixtures');

for (const fx of fixtures) {
  table(fx.name, () => {
    const { codec, payload } = codecFor(fx.element);
    const decoded = codec.decode(payload);
    if (fx.name.startsWith('invalid-')) {
      assert.ok(fx.expectError !== undefined, 'invalid fixture names its expected error');
      assert.is(decoded.ok ? 'ok' : decoded.error.code, fx.expectError);
      return;
    }
    if (!decoded.ok) assert.unreachable(`${decoded.error.code}: ${decoded.error.text}`);
    else {
      assert.equal(toJsonData(decoded.value), fx.expected, 'decode = sidecar');
      const encoded = codec.encode(decoded.value as never);
      assert.is(canonicalXml(encoded), canonicalXml(payload), 'encode(decode(x)) = x');
      assert.equal(codec.decode(encoded), decoded, 'decode(encode(v)) = v');
    }
  });
}

table('every fixture truncated at every length (then closed): parse, decode, never throws', () => {
  let decodedCount = 0;
  for (const fx of fixtures) {
    for (let n = 0; n <= fx.text.length; n++) {
      const parsed = parseXml(closeTruncated(fx.text.slice(0, n)));
      if (!parsed.ok) continue;
      const p = firstEl(parsed.value);
      if (p === undefined) continue;
      for (const c of [request, response, mute]) c.decode(p);
      decodedCount++;
    }
  }
  assert.ok(decodedCount > 500, `${decodedCount} truncations reached the decoders`);
});

table('every attribute dropped or garbled, every child dropped: decoders never throw', () => {
  for (const fx of fixtures) {
    const { payload } = codecFor(fx.element);
    const variants: El[] = [];
    for (const key of Object.keys(payload.attrs)) {
      const { [key]: _gone, ...rest } = payload.attrs;
      variants.push({ ...payload, attrs: rest }, { ...payload, attrs: { ...payload.attrs, [key]: '\u0000@@/' } });
    }
    payload.children.forEach((_, i) => variants.push({ ...payload, children: payload.children.filter((__, j) => j !== i) }));
    for (const v of variants) for (const c of [request, response, mute]) c.decode(v);
  }
});

table.run();
