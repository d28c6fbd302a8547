// Who a participant is, as far as the focus can tell (protocols.md §8.1, §8.2). The focus never sees
// SASL: it learns identity from the real JID the MUC shows it and from the token a client puts in
// its conference request, which the focus verifies itself and binds to the requester's full JID.
//
// Our XMPP server binds anonymous guests and token users on the main domain with UUID nodes and
// local accounts as `username@domain`; the guest domain holds only anonymous users.
import type { Jid } from '@plenum/xmpp/codec';
import type { VerifiedToken } from '../ports.ts';

/** What the focus knows about a user. */
export type Identity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'account'; readonly username: string }
  | { readonly kind: 'token'; readonly userId?: string; readonly isModerator?: boolean };

/** The domains that decide identity. */
export type IdentityDomains = { readonly main: string; readonly guest?: string | undefined };

// RFC 9562 textual form, as the server's randomUUID() writes it.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Classifies a real JID. A verified token bound to this JID makes a token user; otherwise a
 * non-UUID node on the main domain is a local account and everything else is anonymous.
 * COMPAT(@plenum/xmpp server): relies on anonymous nodes being UUIDs and accounts not being named
 * like one (asked of the server team: refuse UUID-shaped usernames, or tell the focus the identity).
 */
export function classifyIdentity(real: Jid, token: VerifiedToken | undefined, domains: IdentityDomains): Identity {
  if (token !== undefined) {
    return {
      kind: 'token',
      ...(token.userId !== undefined ? { userId: token.userId } : {}),
      ...(token.isModerator !== undefined ? { isModerator: token.isModerator } : {}),
    };
  }
  if (domains.guest !== undefined && real.domain === domains.guest) return { kind: 'anonymous' };
  if (real.domain === domains.main && real.local !== '' && !UUID.test(real.local)) return { kind: 'account', username: real.local };
  return { kind: 'anonymous' };
}

/** Local accounts and token users count as authenticated (secure domain, authenticated moderator policy). */
export const isAuthenticated = (identity: Identity): boolean => identity.kind !== 'anonymous';

/** Whether a token admits its holder to this room (Jitsi token_verification: '*' or the room node, case-insensitive). */
export const tokenAllowsRoom = (token: VerifiedToken, roomNode: string): boolean =>
  token.room === '*' || token.room.toLowerCase() === roomNode.toLowerCase();

/**
 * Verified tokens by the full JID that presented them, dropped when they expire. Bounded: the
 * oldest binding goes first when `maxEntries` is reached.
 */
export class TokenBindings {
  readonly #byJid = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries = 10_000) {}

  bind(fullJid: string, token: VerifiedToken): void {
    this.#byJid.delete(fullJid);
    this.#byJid.set(fullJid, token);
    while (this.#byJid.size > this.maxEntries) {
      const oldest = this.#byJid.keys().next().value;
      if (oldest === undefined) break;
      this.#byJid.delete(oldest);
    }
  }

  get(fullJid: string, nowMs: number): VerifiedToken | undefined {
    const token = this.#byJid.get(fullJid);
    if (token !== undefined && token.expiresAtMs <= nowMs) {
      this.#byJid.delete(fullJid);
      return undefined;
    }
    return token;
  }

  forget(fullJid: string): void {
    this.#byJid.delete(fullJid);
  }

  get size(): number {
    return this.#byJid.size;
  }
}
