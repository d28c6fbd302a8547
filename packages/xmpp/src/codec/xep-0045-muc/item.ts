import type { Result } from '@plenum/kit';
import { ok, err } from '@plenum/kit';
import type { El } from '../xml/element.ts';
import { el, child, text } from '../xml/element.ts';

/** XEP-0045 §5.2 long-lived affiliations, lowest to highest (outcast is below none). */
export type MucAffiliation = 'outcast' | 'none' | 'member' | 'admin' | 'owner';
/** XEP-0045 §5.1 session roles. */
export type MucRole = 'none' | 'visitor' | 'participant' | 'moderator';

const AFFILIATION_RANKS: Readonly<Record<MucAffiliation, number>> = { outcast: 0, none: 1, member: 2, admin: 3, owner: 4 };
const ROLE_RANKS: Readonly<Record<MucRole, number>> = { none: 0, visitor: 1, participant: 2, moderator: 3 };

/** Orders affiliations (XEP-0045 §5.2: owner > admin > member > none > outcast). */
export const affiliationRank = (a: MucAffiliation): number => AFFILIATION_RANKS[a];
/** Orders roles (XEP-0045 §5.1: moderator > participant > visitor > none). */
export const roleRank = (r: MucRole): number => ROLE_RANKS[r];
/** True for the five affiliation names. */
export const isMucAffiliation = (s: string): s is MucAffiliation => Object.hasOwn(AFFILIATION_RANKS, s);
/** True for the four role names. */
export const isMucRole = (s: string): s is MucRole => Object.hasOwn(ROLE_RANKS, s);

/** Who performed a kick, ban or role change (`<actor>`). */
export type MucActor = { readonly nick?: string; readonly jid?: string };

/**
 * An `<item>` of muc#user presence or a muc#admin query (XEP-0045 §19.2/§19.3). JIDs stay strings here:
 * the server validates them where it needs a JID.
 */
export type MucItem = {
  readonly affiliation?: MucAffiliation;
  readonly role?: MucRole;
  readonly jid?: string;
  readonly nick?: string;
  readonly actor?: MucActor;
  readonly reason?: string;
};

/** Stable codes for malformed MUC payloads. */
export type MucDecodeErrorCode =
  | 'muc/bad-affiliation' | 'muc/bad-role' | 'muc/bad-item' | 'muc/bad-history' | 'muc/unexpected-element';
/** A decode failure with its code. */
export type MucDecodeError = { readonly code: MucDecodeErrorCode; readonly text: string };

/** Builds an error result (shared by the MUC decoders). */
export const mucDecodeError = (code: MucDecodeErrorCode, description: string): { readonly ok: false; readonly error: MucDecodeError } =>
  err({ code, text: description });

/** Reads an `<item>` in any MUC namespace; the namespace is the caller's business. */
export function decodeMucItem(item: El): Result<MucItem, MucDecodeError> {
  if (item.name !== 'item') return mucDecodeError('muc/unexpected-element', `expected <item>, got <${item.name}>`);
  const { affiliation, role, jid, nick } = item.attrs;
  if (affiliation !== undefined && !isMucAffiliation(affiliation)) return mucDecodeError('muc/bad-affiliation', `unknown affiliation "${affiliation}"`);
  if (role !== undefined && !isMucRole(role)) return mucDecodeError('muc/bad-role', `unknown role "${role}"`);
  const actorEl = child(item, 'actor');
  const reasonEl = child(item, 'reason');
  let actor: MucActor | undefined;
  if (actorEl !== undefined) {
    const { nick: actorNick, jid: actorJid } = actorEl.attrs;
    actor = { ...(actorNick !== undefined ? { nick: actorNick } : {}), ...(actorJid !== undefined ? { jid: actorJid } : {}) };
  }
  return ok({
    ...(affiliation !== undefined ? { affiliation } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(jid !== undefined ? { jid } : {}),
    ...(nick !== undefined ? { nick } : {}),
    ...(actor !== undefined ? { actor } : {}),
    ...(reasonEl !== undefined ? { reason: text(reasonEl) } : {}),
  });
}

/** Writes an `<item>` (no xmlns: it inherits its parent's). */
export function encodeMucItem(item: MucItem): El {
  return el('item', { affiliation: item.affiliation, jid: item.jid, nick: item.nick, role: item.role },
    item.actor !== undefined ? el('actor', { nick: item.actor.nick, jid: item.actor.jid }) : undefined,
    item.reason !== undefined ? el('reason', {}, item.reason) : undefined);
}
