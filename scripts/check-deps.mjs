#!/usr/bin/env node
// Package boundaries (docs/architecture.md): apps never depend on apps, the codec stays free of
// Node built-ins, and nothing imports another package's internals by a deep path.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const APPS = ['focus', 'bridge', 'sip-gateway', 'recorder', 'meet-web'];
const problems = [];

for (const dir of readdirSync(join(root, 'packages'))) {
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  } catch {
    continue; // a folder without package.json is not a package
  }
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  if (APPS.includes(dir)) {
    for (const d of deps) if (APPS.some((a) => d === `@plenum/${a}`)) problems.push(`${dir} depends on ${d}: apps talk over the wire`);
  }
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;
for (const file of walk(join(root, 'packages'))) {
  const src = readFileSync(file, 'utf8');
  const rel = file.slice(root.length);
  // Tests and their helpers run only in Node and may start servers; the rules guard shipped code.
  const isTestCode = /\.test(-helper)?\.ts$/.test(rel);
  for (const [, spec] of src.matchAll(IMPORT)) {
    if (/^@plenum\/[^/]+\/src\//.test(spec)) problems.push(`${rel}: deep import ${spec}`);
    // The XMPP server is an app too: other apps reach it over the wire (tests may start one).
    const app = APPS.find((a) => rel.startsWith(`packages/${a}/src/`));
    if (app !== undefined && !isTestCode && spec === '@plenum/xmpp/server') problems.push(`${rel}: ${app} imports the XMPP server app`);
    if (rel.includes('/src/codec/') && !isTestCode && (spec.startsWith('node:') || ['fs', 'net', 'crypto', 'tls', 'ws'].includes(spec))) {
      problems.push(`${rel}: codec imports ${spec} (codecs are pure and browser-safe)`);
    }
    if (spec.startsWith('../') && /\.\.\/\.\.\/\.\.\/[a-z-]+\/src/.test(spec)) problems.push(`${rel}: relative import into another package ${spec}`);
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('package boundaries ok');
