// How a phone caller is named in the room. A phone number is personal data: by default the room
// sees only its last two digits ("Phone •••• 67"), enough to tell two callers apart; the operator
// can show the full number or nothing.
import type { SipParty } from '../sip/sip-call.ts';

export type CallerIdMode = 'masked' | 'full' | 'anonymous';

const PHONE = 'Phone';
/** Longest display name put in presence (a hostile From header must not bloat every presence). */
const MAX_NAME_CHARS = 64;

/** The digits of a SIP user part or tel number ("+1 (555) 0100" → "15550100"); empty when it has none. */
const digitsOf = (s: string | undefined): string => (s ?? '').replace(/[^0-9]/g, '');

/** "Phone •••• 67" for a number; "Phone" when there are fewer than 4 digits (nothing worth showing). */
export function maskedNumber(user: string | undefined): string {
  const digits = digitsOf(user);
  return digits.length < 4 ? PHONE : `${PHONE} •••• ${digits.slice(-2)}`;
}

/** The display name a call gets in the room. */
export function callerDisplayName(party: SipParty, mode: CallerIdMode): string {
  if (mode === 'anonymous') return PHONE;
  if (mode === 'masked') return maskedNumber(party.user);
  // Control characters never reach presence; SIP display names are UTF-8 text.
  const shown = (party.displayName ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim() || party.user || PHONE;
  return shown.slice(0, MAX_NAME_CHARS);
}
