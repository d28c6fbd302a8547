// Who may control this bridge. The MUC relays an occupant's IQ with `from` = its occupant JID
// (room/nick) and a rewritten id, so the nick proves nothing: any component admitted to the
// internal MUC could pick "focus". The rule is therefore about real JIDs, which the server vouches for:
//   1. from = <brewery>/<nick>: the nick must be a current occupant whose real JID (the `<item jid>`
//      of its presence) is on the allow-list. A room that hides real JIDs from us fails closed.
//   2. any other from (the focus addressing the component JID directly): the sender's own JID must
//      be on the allow-list; the server only lets a component send from its own domain.
// Allow-list entries are domains (`focus.plenum.localhost`) or bare JIDs (`focus@auth.example.com`).
import type { Jid } from '@plenum/xmpp/codec';
import { bareJid, toBare } from '@plenum/xmpp/codec';
import type { BreweryRoster } from '../brewery/brewery-roster.ts';

/** The verdict, with a short reason for logs. */
export type SenderDecision =
  | { readonly allowed: true; readonly via: 'brewery' | 'direct' }
  | { readonly allowed: false; readonly why: 'not-an-occupant' | 'real-jid-hidden' | 'not-allowed' };

/** True when `jid` matches an entry: a bare JID exactly, or a domain. Case-insensitive. */
export function isAllowedJid(jid: Jid, allowed: readonly string[]): boolean {
  const bare = bareJid(toBare(jid)).toLowerCase();
  const domain = jid.domain.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.includes('@') ? e === bare : e === domain;
  });
}

/** Decides whether a COLIBRI2 or health-check request from `from` is obeyed. */
export function authorizeSender(from: Jid, roster: BreweryRoster, allowed: readonly string[]): SenderDecision {
  const nick = roster.nickOf(from);
  if (nick !== undefined) {
    const occupant = roster.get(nick);
    if (occupant === undefined) return { allowed: false, why: 'not-an-occupant' };
    if (occupant.realJid === undefined) return { allowed: false, why: 'real-jid-hidden' };
    return isAllowedJid(occupant.realJid, allowed) ? { allowed: true, via: 'brewery' } : { allowed: false, why: 'not-allowed' };
  }
  return isAllowedJid(from, allowed) ? { allowed: true, via: 'direct' } : { allowed: false, why: 'not-allowed' };
}
