// Test helpers: a raw HTTP/1.1 exchange over a socket (fetch normalises `..` and refuses odd
// targets, which is exactly what the traversal tests must send), and a started web server.
import { connect } from 'node:net';
import type { WebConfig } from '../../src/shared/web-config.ts';
import type { RunningWebServer, WebServerOptions } from '../../src/server/index.ts';
import { loadWebServerConfig, startWebServer } from '../../src/server/index.ts';

export type RawResponse = { readonly status: number; readonly headers: Record<string, string>; readonly body: string };

/** Sends `head` (request line and headers, without the blank line; `Connection: close` added unless set) and reads until the server closes. */
export function rawRequest(port: number, head: string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${head.split('\r\n')[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const lines = (split === -1 ? text : text.slice(0, split)).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
    socket.write(/\r\nConnection:/i.test(head) ? `${head}\r\n\r\n` : `${head}\r\nConnection: close\r\n\r\n`);
  });
}

export const TEST_HOSTS: WebConfig['hosts'] = { domain: 'plenum.localhost', muc: 'conference.plenum.localhost', focus: 'focus.plenum.localhost' };

/** A web server on a free loopback port with silent logs; `values` are PLENUM_WEB_* settings as a nested object. */
export async function startTestWebServer(values: Record<string, unknown> = {}, opts: Partial<Omit<WebServerOptions, 'config'>> = {}): Promise<RunningWebServer> {
  const config = loadWebServerConfig({ values: { port: 0, log: { level: 'silent' }, ...values } });
  return startWebServer({ hosts: TEST_HOSTS, ...opts, config });
}
