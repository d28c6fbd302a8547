// DTMF from the phone: RFC 4733 telephone-event packets on the RTP stream, and SIP INFO bodies
// (application/dtmf-relay, application/dtmf) that some PBXs send instead.

/** RFC 4733 §3.2: events 0-15 are the DTMF keys. */
const EVENT_DIGITS = '0123456789*#ABCD';

/** A digit from an RFC 4733 event code, or undefined for non-DTMF events (tones, flash). */
export const digitForEvent = (event: number): string | undefined =>
  event >= 0 && event < EVENT_DIGITS.length ? EVENT_DIGITS[event] : undefined;

/**
 * Turns a stream of telephone-event payloads into one digit per key press. RFC 4733 §2.5.1: all
 * packets of one event share the RTP timestamp, and the end packet is sent three times; the first
 * packet seen for a new timestamp reports the digit, the rest are ignored.
 */
export class TelephoneEventReceiver {
  #lastTimestamp = -1;
  #lastEvent = -1;
  #hasEnded = false;

  /** Handles one telephone-event payload; returns the digit of a new key press, if any. */
  receive(timestamp: number, payload: Uint8Array, offset: number, length: number): string | undefined {
    if (length < 4) return undefined;
    const event = payload[offset]!;
    const isEnd = (payload[offset + 1]! & 0x80) !== 0;
    // COMPAT(replayed captures, e.g. sipp's dtmf pcaps): a new press may reuse the timestamp; a
    // non-end packet after the end packets of the same event is then a new press.
    const isSamePress = timestamp === this.#lastTimestamp && event === this.#lastEvent && !(this.#hasEnded && !isEnd);
    if (isSamePress) {
      if (isEnd) this.#hasEnded = true;
      return undefined;
    }
    this.#lastTimestamp = timestamp;
    this.#lastEvent = event;
    this.#hasEnded = isEnd;
    return digitForEvent(event);
  }
}

/** Writes an RFC 4733 payload (event, end flag, volume, duration in timestamp units) into `out`. */
export function writeTelephoneEvent(out: Uint8Array, offset: number, digit: string, isEnd: boolean, durationUnits: number): void {
  const event = EVENT_DIGITS.indexOf(digit.toUpperCase());
  out[offset] = event < 0 ? 0 : event;
  out[offset + 1] = (isEnd ? 0x80 : 0) | 10; // volume −10 dBm0
  out[offset + 2] = (durationUnits >> 8) & 0xff;
  out[offset + 3] = durationUnits & 0xff;
}

/**
 * The digit in a SIP INFO body: `application/dtmf-relay` ("Signal=5\r\nDuration=160") or
 * `application/dtmf` ("5"). Undefined for other content types or bodies without one valid digit.
 */
export function parseDtmfInfo(contentType: string, body: string): string | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let value: string | undefined;
  if (type === 'application/dtmf-relay') {
    const match = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body);
    value = match?.[1];
  } else if (type === 'application/dtmf') {
    value = body.trim();
  } else {
    return undefined;
  }
  if (value === undefined) return undefined;
  // Some devices send the event number (10 = *, 11 = #) rather than the key.
  if (/^(1[0-5])$/.test(value)) return digitForEvent(Number(value));
  const digit = value.toUpperCase();
  return digit.length === 1 && EVENT_DIGITS.includes(digit) ? digit : undefined;
}
