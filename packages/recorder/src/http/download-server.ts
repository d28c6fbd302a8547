// The download link (issue 7): the recorder serves each finished recording at
// `/recordings/<token>/` (a listing) and `/recordings/<token>/<file>` (byte ranges, so players can
// seek). Only the files the manifest names are served. A wrong token, an unknown file and any other
// path get the same 404, so nobody learns whether a recording exists. The token is in the path:
// the responses ask for no caching and no referrer, and nothing here logs it or a client address.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@plenum/kit';
import type { DownloadTokens } from '../storage/download-tokens.ts';
import { readRecordingDir, recordingFiles } from '../storage/recording-dirs.ts';

const PREFIX = '/recordings/';
const REQUEST_TIMEOUT_MS = 30_000;
const TYPES: Record<string, string> = { mp4: 'video/mp4', webm: 'video/webm', json: 'application/json; charset=utf-8' };

const COMMON_HEADERS = {
  'cache-control': 'private, no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

export type DownloadServerOptions = {
  readonly host: string;
  readonly port: number;
  /** The server as users reach it, without a trailing slash; default http://host:port. */
  readonly publicBaseUrl: string | undefined;
  readonly tokens: DownloadTokens;
  readonly log: Logger;
  /** Simultaneous connections; more are refused (default 100). */
  readonly maxConnections?: number;
};

/** A parsed `Range: bytes=…` header against a file of `size` bytes. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'whole' | 'unsatisfiable' {
  if (header === undefined) return 'whole';
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: answering with the whole file is allowed (RFC 9110 §14.2).
  if (m === null) return 'whole';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'whole';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class DownloadServer {
  #server: Server | undefined;
  #baseUrl = '';

  constructor(private readonly o: DownloadServerOptions) {}

  /** The public link to the recording with this token. */
  linkFor(token: string): string {
    return `${this.#baseUrl}${PREFIX}${token}/`;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.o.log.warn('download failed', { err: (error as Error).message });
        if (!res.headersSent) this.#notFound(res);
        else res.destroy();
      });
    });
    server.maxConnections = this.o.maxConnections ?? 100;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.#server = server;
    this.#baseUrl = (this.o.publicBaseUrl ?? `http://${this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host}:${this.port}`).replace(/\/+$/, '');
    this.o.log.info('download server listening', { host: this.o.host, port: this.port });
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...COMMON_HEADERS, allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(PREFIX)) return this.#notFound(res);
    const [token = '', file, ...rest] = path.slice(PREFIX.length).split('/');
    const dir = this.o.tokens.lookup(token);
    if (dir === undefined || rest.length > 0) return this.#notFound(res);
    const rec = await readRecordingDir(dir);
    if (rec === undefined) return this.#notFound(res);
    const files = recordingFiles(rec.manifest);
    if (file === undefined) {
      // `/recordings/<token>`: the listing's relative links need the trailing slash.
      res.writeHead(301, { ...COMMON_HEADERS, location: `${PREFIX}${token}/` }).end();
      return;
    }
    if (file === '') return this.#listing(req, res, dir, files);
    let name: string;
    try {
      name = decodeURIComponent(file);
    } catch {
      return this.#notFound(res);
    }
    if (!files.includes(name)) return this.#notFound(res);
    await this.#file(req, res, join(dir, name), name);
  }

  async #listing(req: IncomingMessage, res: ServerResponse, dir: string, files: readonly string[]): Promise<void> {
    const rows: string[] = [];
    for (const name of files) {
      const size = await stat(join(dir, name)).then((s) => s.size, () => undefined);
      if (size === undefined) continue;
      rows.push(`<li><a href="${encodeURIComponent(name)}">${escapeHtml(name)}</a> (${size} bytes)</li>`);
    }
    const body = `<!doctype html><meta charset="utf-8"><title>Recording</title><h1>Recording</h1><ul>${rows.join('')}</ul>\n`;
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async #file(req: IncomingMessage, res: ServerResponse, path: string, name: string): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) return this.#notFound(res);
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    const headers = { ...COMMON_HEADERS, 'content-type': type, 'accept-ranges': 'bytes', 'last-modified': info.mtime.toUTCString() };
    const range = parseRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${info.size}` }).end();
      return;
    }
    const { start, end } = range === 'whole' ? { start: 0, end: info.size - 1 } : range;
    const length = Math.max(0, end - start + 1);
    res.writeHead(range === 'whole' ? 200 : 206, {
      ...headers, 'content-length': length, ...(range === 'whole' ? {} : { 'content-range': `bytes ${start}-${end}/${info.size}` }),
    });
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(path, { start, end });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  }

  #notFound(res: ServerResponse): void {
    res.writeHead(404, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
}
