// In `npm start` the recorder's download server listens on a loopback port of its own and the web
// server passes `/recordings/…` through to it, so the link the moderator gets is on the meeting's
// own origin (and its TLS) instead of a second port people's browsers cannot reach.
import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Only what a download needs goes upstream: no cookies, no Host games. */
const FORWARDED_HEADERS = ['range', 'if-range', 'accept'] as const;

export function proxyToLoopback(port: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end('recordings are not available\n');
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    upstream.end();
  };
}
