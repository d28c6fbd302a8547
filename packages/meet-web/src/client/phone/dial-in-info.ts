// How to join this meeting by phone (protocols.md §7): the numbers from config.js
// `dialInNumbersUrl`, and the room's PIN from the focus's directory over XMPP (as an occupant we
// get it for locked rooms too) or else from `dialInConfCodeUrl?conference=<room JID>` (open rooms
// only). Both URLs are our own web server's, in Jitsi's JSON shapes: the page's CSP refuses any
// other origin, so nobody else learns who is in which meeting.
import type { DialInInfo } from '../conference-api.ts';
import type { WebConfig } from '../../shared/web-config.ts';

type Number = DialInInfo['numbers'][number];

/**
 * Fetches numbers and PIN; undefined when dial-in is not configured or the server has no numbers.
 * `pinOverXmpp` asks the focus (undefined when it does not answer).
 */
export async function fetchDialInInfo(config: WebConfig, roomJid: string, pinOverXmpp: () => Promise<string | undefined>, fetcher: typeof fetch = fetch): Promise<DialInInfo | undefined> {
  if (config.dialInNumbersUrl === undefined || config.dialInNumbersUrl === '') return undefined;
  const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
  const numbers = readNumbers(await getJson(fetcher, new URL(config.dialInNumbersUrl, base)));
  if (numbers.length === 0) return undefined;
  let pin = await pinOverXmpp().catch(() => undefined);
  if (pin === undefined && config.dialInConfCodeUrl !== undefined && config.dialInConfCodeUrl !== '') {
    const url = new URL(config.dialInConfCodeUrl, base);
    url.searchParams.set('conference', roomJid);
    pin = readPin(await getJson(fetcher, url));
  }
  return { numbers, pin };
}

async function getJson(fetcher: typeof fetch, url: URL): Promise<unknown> {
  try {
    const res = await fetcher(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    return res.ok ? ((await res.json()) as unknown) : undefined;
  } catch {
    // Unreachable or not JSON: the dialog shows the link without dial-in, which is still useful.
    return undefined;
  }
}

/**
 * Jitsi's number lists come in two shapes: `[{countryCode, formattedNumber, tollFree}]`, and the
 * older `{numbers: {"US": ["+1 …"]}, numbersEnabled}`.
 */
export function readNumbers(json: unknown): Number[] {
  const out: Number[] = [];
  const push = (country: unknown, number: unknown, tollFree: unknown): void => {
    if (typeof number === 'string' && number.trim() !== '' && number.length <= 64 && out.length < 50) {
      out.push({ country: typeof country === 'string' ? country.slice(0, 32) : '', number: number.trim(), tollFree: tollFree === true });
    }
  };
  if (Array.isArray(json)) {
    for (const n of json) {
      if (typeof n === 'object' && n !== null) {
        const r = n as Record<string, unknown>;
        push(r['countryCode'] ?? r['country'], r['formattedNumber'] ?? r['number'], r['tollFree']);
      }
    }
    return out;
  }
  if (typeof json === 'object' && json !== null) {
    const r = json as Record<string, unknown>;
    if (r['numbersEnabled'] === false) return [];
    const byCountry = r['numbers'];
    if (typeof byCountry === 'object' && byCountry !== null && !Array.isArray(byCountry)) {
      for (const [country, list] of Object.entries(byCountry as Record<string, unknown>)) {
        if (Array.isArray(list)) for (const n of list) push(country, n, false);
      }
    }
  }
  return out;
}

/** `{id: 1234567, conference: "room@…"}` → "1234567" (digits only: it is typed on a keypad). */
export function readPin(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const id = (json as Record<string, unknown>)['id'];
  const pin = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : typeof id === 'string' ? id.trim() : '';
  return /^[0-9]{1,20}$/.test(pin) ? pin : undefined;
}
