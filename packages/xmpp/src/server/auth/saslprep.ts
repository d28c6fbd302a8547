// SASLprep (RFC 4013), the string preparation SCRAM (RFC 5802 §2.2) and PLAIN (RFC 4616 §2)
// apply to passwords, so that the same password typed on two keyboards hashes the same.
//
// Simplified: the mapping, NFKC and the prohibited tables are applied; the unassigned-code-point
// check (RFC 3454 table A.1, Unicode 3.2) and the bidirectional rule (RFC 3454 §6) are not. The
// same function prepares a password when it is stored and when it is checked, so the only
// effect of the simplification is that a few exotic passwords are accepted that a strict
// implementation would refuse.

// RFC 3454 table C.1.2: non-ASCII spaces, mapped to U+0020 (RFC 4013 §2.1).
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// RFC 3454 table B.1: commonly mapped to nothing (RFC 4013 §2.1).
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// RFC 4013 §2.3: tables C.1.2 (already mapped), C.2.1, C.2.2, C.3, C.4 (FDD0..FDEF, plane ends
// checked separately), C.5, C.6, C.7, C.8, C.9.
const PROHIBITED = new RegExp(
  '[' +
    '\\u0000-\\u001F\\u007F' + // C.2.1 ASCII controls
    '\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC\\u{1D173}-\\u{1D17A}' + // C.2.2
    '\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}' + // C.3 private use
    '\\uFDD0-\\uFDEF' + // C.4 non-characters
    '\\uD800-\\uDFFF' + // C.5 surrogates (only lone ones can match with the u flag)
    '\\uFFF9-\\uFFFD' + // C.6
    '\\u2FF0-\\u2FFB' + // C.7
    '\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E' + // C.8
    '\\u{E0001}\\u{E0020}-\\u{E007F}' + // C.9 tagging
  ']',
  'u',
);

/** Prepares a password or user name per RFC 4013 (simplified, see the file comment); undefined when it holds a prohibited character. */
export function saslPrep(s: string): string | undefined {
  const prepared = s.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  if (PROHIBITED.test(prepared)) return undefined;
  for (const ch of prepared) {
    // RFC 3454 table C.4: the last two code points of every plane are non-characters.
    if (((ch.codePointAt(0) ?? 0) & 0xfffe) === 0xfffe) return undefined;
  }
  return prepared;
}
