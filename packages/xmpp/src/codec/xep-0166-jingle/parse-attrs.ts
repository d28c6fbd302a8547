// Strict attribute parsers shared by the Jingle and focus codecs (not re-exported: internal).
// Every one returns undefined for anything it does not accept, so callers turn that into a typed
// error instead of letting NaN or a rounded number slip into the model.

const INTEGER = /^-?[0-9]{1,10}$/;

/** A base-10 integer within [min, max] (ASCII digits only: no sign tricks, exponents, hex or spaces). */
export function parseInteger(v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined || !INTEGER.test(v)) return undefined;
  const n = Number(v) || 0; // "-0" reads as 0, never as -0
  return n >= min && n <= max ? n : undefined;
}

/** Largest RTP SSRC (RFC 3550 §5.1: 32 bits). */
export const MAX_SSRC = 0xffff_ffff;

/** An RTP SSRC: 0 … 2^32-1, written in decimal. */
export const parseSsrc = (v: string | undefined): number | undefined => parseInteger(v, 0, MAX_SSRC);

/** True for a number that is a valid SSRC. */
export const isSsrc = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_SSRC;

/** xs:boolean (`true`/`false`/`1`/`0`); undefined for anything else. */
export function parseXsBoolean(v: string | undefined): boolean | undefined {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}
