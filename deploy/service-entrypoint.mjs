// Starts one replica of a scalable component service (docker-compose `recorder`, `sip-gateway`)
// with a brewery nick of its own: every replica must sit in its brewery under a distinct nick, and
// a container's host name (its short container id, unless `hostname:` is set) is unique, so the
// nick is `<prefix>-<host name>` unless the nick variable is already set.
//   node deploy/service-entrypoint.mjs <NICK_VARIABLE> <prefix> <main.ts>
// Signals are passed on (the SIP gateway drains on the first SIGTERM and hangs up on a second), and
// the component's exit code is this process's.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';

const [nickVariable, prefix, main] = process.argv.slice(2);
if (nickVariable === undefined || prefix === undefined || main === undefined) {
  process.stderr.write('usage: node deploy/service-entrypoint.mjs <NICK_VARIABLE> <prefix> <main.ts>\n');
  process.exit(2);
}
/** `<prefix>-<host>` in the nick syntax the components accept: [a-z0-9][a-z0-9-]{0,30}. */
const nickFor = (pre, host) => `${pre}-${host.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 31).replace(/-+$/, '');

const env = { ...process.env };
if (env[nickVariable] === undefined || env[nickVariable] === '') env[nickVariable] = nickFor(prefix, hostname());
const child = spawn(process.execPath, ['--import', 'tsx', main], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
