import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { renderConfigDocs } from './config-docs.ts';

test('docs/configuration.md matches the config schemas (run `npm run docs:config`)', () => {
  const onDisk = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  assert.fixture(onDisk, renderConfigDocs());
});

test.run();
