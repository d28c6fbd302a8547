// The operator's list of refused browsers (config.unsupportedBrowsers, as Jitsi's
// UNSUPPORTED_BROWSERS) against the browser we run in.

export type BrowserName = 'chrome' | 'chromium' | 'edge' | 'opera' | 'firefox' | 'safari' | 'other';

/** Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari". */
export function detectBrowser(userAgent: string): BrowserName {
  if (/\bEdg(e|A|iOS)?\//u.test(userAgent)) return 'edge';
  if (/\bOPR\//u.test(userAgent)) return 'opera';
  if (/\b(Firefox|FxiOS)\//u.test(userAgent)) return 'firefox';
  if (/\bChromium\//u.test(userAgent)) return 'chromium';
  if (/\b(Headless)?Chrome\/|\bCriOS\//u.test(userAgent)) return 'chrome';
  if (/\bSafari\//u.test(userAgent)) return 'safari';
  return 'other';
}

/** True when the operator refuses this browser; "chrome" and "chromium" name the same engine. */
export function isBrowserRefused(browser: BrowserName, refused: readonly string[]): boolean {
  const names = new Set(refused.map((n) => n.toLowerCase()));
  if (browser === 'chrome' || browser === 'chromium') return names.has('chrome') || names.has('chromium');
  return names.has(browser);
}

/** What to show instead, for the unsupported-browser page. */
export const BROWSER_LABELS: Readonly<Record<BrowserName, string>> = {
  chrome: 'Chrome', chromium: 'Chromium', edge: 'Edge', opera: 'Opera', firefox: 'Firefox', safari: 'Safari', other: 'this browser',
};
