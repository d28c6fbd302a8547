// Headers every response carries. The page may talk only to its own origin: scripts and styles
// from our files (config arrives as /config.js, never inline), WebSockets to the same host (XMPP,
// bridge channel), media from local streams; no frames, no plugins, no referrer.

/** `host[:port]` as browsers send it in Host; anything else is refused before it reaches a header. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

export const isValidHostHeader = (host: string | undefined): host is string => host !== undefined && HOST_HEADER.test(host);

/** The Content-Security-Policy for a page loaded from `host` (`extraConnect`: the public origin's WebSocket, when it differs). */
export function contentSecurityPolicy(host: string, isTls: boolean, extraConnect: readonly string[] = []): string {
  const ws = `${isTls ? 'wss' : 'ws'}://${host}`;
  const connect = [...new Set(["'self'", ws, ...extraConnect])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // Style attributes only (lit templates set some); <style> elements and sheets stay 'self'.
    // They cannot fetch anything: images and fonts still obey img-src and font-src.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connect}`,
    "font-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers for every response, pages or not. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** Headers for HTML pages, besides the CSP. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), autoplay=(self), geolocation=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
};
