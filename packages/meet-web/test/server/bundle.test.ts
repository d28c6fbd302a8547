// The bundler: browser ESM that needs no Node built-ins, with @xmpp/client's DNS resolver stubbed,
// lit's decorators compiled as lit expects, and errors reported instead of a broken bundle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { PlenumError } from '@plenum/kit';
import { buildAppBundle } from '../../src/server/index.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const scriptText = (bundle: Awaited<ReturnType<typeof buildAppBundle>>): string =>
  new TextDecoder().decode(bundle.files.find((f) => f.path === bundle.scriptPath)?.body);

test('@xmpp/client bundles for the browser: its Node DNS resolver is replaced by an empty module', async () => {
  const bundle = await buildAppBundle({ minify: true, entry: fixture('xmpp-client-entry.ts') });
  const js = scriptText(bundle);
  assert.ok(js.length > 10_000, 'the client is in the bundle');
  assert.not.match(js, /from\s*["']node:/, 'no Node built-in imports left');
  assert.not.match(js, /require\(["'](node:)?dns["']\)/);
});

test('lit decorators: fields stay accessors (useDefineForClassFields false), decorators are applied', async () => {
  const js = scriptText(await buildAppBundle({ minify: false, entry: fixture('lit-element-entry.ts') }));
  assert.match(js, /__decorateClass\(\[\s*\w+\(\)\s*\], FixtureGreeting\.prototype, "name"/, '@property() applied to the prototype');
  assert.match(js, /FixtureGreeting = __decorateClass\(\[\s*\w+\("fixture-greeting"\)\s*\], FixtureGreeting\)/, '@customElement applied');
  // The initial value is assigned (through lit's accessor), never defined over it as an own field.
  assert.match(js, /this\.name = "world"/);
  assert.not.match(js, /__publicField|defineProperty\(this, "name"/);
});

test('a broken entry fails with a typed error naming the problem', async () => {
  try {
    await buildAppBundle({ minify: true, entry: fixture('missing-entry.ts') });
    assert.unreachable('built a missing entry');
  } catch (error) {
    assert.instance(error, PlenumError);
    assert.is((error as PlenumError).code, 'bundle-failed');
    assert.match((error as Error).message, /missing-entry/);
  }
});

test.run();
