// Factories for the phone side's media errors (codes declared in phone-audio.ts).
import { PlenumError } from '@plenum/kit';
import type { PhoneMediaError, PhoneMediaErrorCode } from './phone-audio.ts';

const make = (code: PhoneMediaErrorCode, message: string): PhoneMediaError => new PlenumError(code, message);

/** Error factories; `sipStatusForMediaError` maps them to SIP responses. */
export const PhoneMediaErrors = {
  badSdp: (why: string) => make('bad-sdp', `bad SDP: ${why}`),
  noCommonCodec: (offered: string) => make('no-common-codec', `no common audio codec (offered: ${offered})`),
  srtpRequired: (why: string) => make('srtp-required', `SRTP offer not acceptable: ${why}`),
  noPort: (why: string) => make('no-port', `no RTP port: ${why}`),
} satisfies Record<string, (...a: never[]) => PhoneMediaError>;

/** RFC 3261 §21.4.26: an offer we cannot take is 488 Not Acceptable Here; no port is our fault (500). */
export function sipStatusForMediaError(error: PhoneMediaError): { status: number; reason: string } {
  switch (error.code) {
    case 'bad-sdp':
    case 'no-common-codec':
    case 'srtp-required':
      return { status: 488, reason: 'Not Acceptable Here' };
    case 'no-port':
      return { status: 500, reason: 'Server Internal Error' };
  }
}
