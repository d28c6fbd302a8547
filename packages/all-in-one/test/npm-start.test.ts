// `npm start` as a process (the npm script's own node command line, read from package.json): the
// startup log names the URL to open, that URL's server answers with the app, and SIGTERM ends the
// process cleanly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnReaped, waitUntil } from '@plenum/testkit';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The arguments `npm start` gives node (flags and the main file), from the root package.json. */
function npmStartNodeArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const [command, ...args] = script.trim().split(/\s+/);
  assert.is(command, 'node', `npm start runs node directly: ${script}`);
  return args;
}

test('npm start: logs "open <url>", serves the app there, stops on SIGTERM with exit code 0', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'plenum-start-'));
  const logFile = join(dir, 'stdout.log');
  const fd = openSync(logFile, 'w');
  const server = await spawnReaped(process.execPath, npmStartNodeArgs(), {
    cwd: root,
    output: fd,
    env: {
      ...process.env,
      PLENUM_WEB_PORT: String(port),
      // Every other listener on a free port, no accounts file: nothing collides with a running server.
      PLENUM_XMPP_TCP_PORT: '0', PLENUM_XMPP_COMPONENTS_PORT: '0', PLENUM_BRIDGE_HTTP_PORT: '0', PLENUM_BRIDGE_PUBLIC_UDP_PORT: '0',
      PLENUM_XMPP_AUTH_USERS_FILE: join(dir, 'users.json'),
    },
  });
  try {
    const startedLine = (): string | undefined => readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"plenum started'));
    // Generous: loading every package's TypeScript takes seconds on a busy CI machine.
    await waitUntil('the "plenum started" log line', () => startedLine() !== undefined || server.hasExited(), 60_000);
    const line = startedLine();
    assert.ok(line, `no startup line; the process ended (${server.hasExited()}): ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const started = JSON.parse(line) as { msg: string; url: string; websocket: string; startupMs: number };
    assert.is(started.url, `http://localhost:${port}`);
    assert.match(started.msg, 'open url in a browser');
    assert.is(started.websocket, `ws://localhost:${port}/xmpp-websocket`);
    const page = await fetch(`http://127.0.0.1:${port}/some-room`);
    assert.is(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
    await server.stop(10_000);
    assert.is(await server.exited, '0');
  } finally {
    await server.stop();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
