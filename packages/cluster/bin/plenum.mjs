#!/usr/bin/env node
// The `plenum` operator command: loads the TypeScript sources through tsx (as every Plenum process runs).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
