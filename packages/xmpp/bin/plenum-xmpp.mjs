#!/usr/bin/env node
// plenum-xmpp: the operator's command line (today: `plenum-xmpp user …`, like prosodyctl).
// The commands are TypeScript; this shim runs them in a child Node with the tsx loader.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/server/auth/user-cli.ts', import.meta.url));

let tsx;
try {
  // Resolved from this file rather than the working directory, so the command works from anywhere.
  tsx = import.meta.resolve('tsx');
} catch {
  process.stderr.write('plenum-xmpp: the tsx package is not installed (run npm install in the Plenum checkout)\n');
  process.exit(1);
}

const child = spawn(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });

// Forward termination requests; the child restores the terminal if it was prompting.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}

child.on('error', (error) => {
  process.stderr.write(`plenum-xmpp: could not start node: ${error.message}\n`);
  process.exitCode = 1;
});

child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
});
