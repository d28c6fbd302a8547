import type { Jid } from '../../codec/jid/index.ts';
import type { El, XmlNode } from '../../codec/xml/index.ts';
import { el } from '../../codec/xml/index.ts';
import type { MucAffiliation, MucItem, MucRole, MucDestroy } from '../../codec/xep-0045-muc/index.ts';
import { NS_MUC, NS_MUC_USER, encodeMucUserX } from '../../codec/xep-0045-muc/index.ts';

/** One client connection in the room (XEP-0045 §7.2.9-style multi-session: a user may join a nick from several resources). */
export type OccupantSession = {
  readonly jid: Jid;
  /** The real full JID as a string: routing key and `to` of everything sent to this session. */
  readonly full: string;
  /** Room-unique number; private IQ ids carry it so replies find their way back. */
  readonly tag: number;
};

/** Presence variants as other occupants see them, built once and reused until something changes. */
type PresenceCache = { withJid?: El; withoutJid?: El };

/** An occupant: one nick, one user (bare JID), one or more sessions. */
export type Occupant = {
  nick: string;
  /** room@service/nick */
  occupantJid: string;
  readonly bare: string;
  affiliation: MucAffiliation;
  role: MucRole;
  readonly sessions: Map<string, OccupantSession>;
  /** The session whose real JID items show and whose presence others see (the latest to send one). */
  primary: OccupantSession;
  /** The current presence's children, as the client sent them minus MUC elements (§7.2.2). */
  payload: readonly XmlNode[];
  cache: PresenceCache;
};

/** True when `viewer` may see real JIDs (XEP-0045 §7.2.3/§7.2.4). */
export const seesRealJids = (isNonAnonymous: boolean, viewer: Occupant): boolean => isNonAnonymous || viewer.role === 'moderator';

/**
 * A presence's children without MUC protocol elements: the join `<x>` and any `<x>` in muc#user a
 * client might add (only the service speaks muc#user). Whitespace between elements is dropped;
 * every other extension (nick, caps, SourceInfo, jitsi_participant_*…) passes through untouched.
 */
export function presencePayload(presence: El): XmlNode[] {
  const out: XmlNode[] = [];
  for (const c of presence.children) {
    if (typeof c === 'string') {
      if (c.trim() !== '') out.push(c);
      continue;
    }
    if (c.name === 'x' && (c.attrs.xmlns === NS_MUC || c.attrs.xmlns === NS_MUC_USER)) continue;
    out.push(c);
  }
  return out;
}

/** What goes into the muc#user `<x>` of an occupant presence. */
export type OccupantPresenceParts = {
  readonly type?: 'unavailable';
  readonly id?: string;
  /** Children before the muc#user `<x>`; defaults to the occupant's current payload. */
  readonly payload?: readonly XmlNode[];
  /** Overrides the item's role (`none` when leaving). */
  readonly role?: MucRole;
  /** Overrides the item's affiliation (`none` on destruction). */
  readonly affiliation?: MucAffiliation;
  readonly item?: Pick<MucItem, 'nick' | 'actor' | 'reason'>;
  readonly statuses?: readonly number[];
  readonly destroy?: MucDestroy;
};

/** Builds one presence from an occupant; `realJid` is the item's jid or undefined when hidden. */
export function buildOccupantPresence(occ: Occupant, parts: OccupantPresenceParts, realJid: string | undefined, extraStatuses: readonly number[] = []): El {
  const item: MucItem = {
    affiliation: parts.affiliation ?? occ.affiliation,
    role: parts.role ?? occ.role,
    ...(realJid !== undefined ? { jid: realJid } : {}),
    ...parts.item,
  };
  const statuses = extraStatuses.length === 0 ? (parts.statuses ?? []) : [...(parts.statuses ?? []), ...extraStatuses];
  const x = encodeMucUserX({ items: [item], statuses, ...(parts.destroy !== undefined ? { destroy: parts.destroy } : {}) });
  const presence = el('presence', { from: occ.occupantJid, id: parts.id, type: parts.type });
  presence.children = [...(parts.payload ?? occ.payload), x];
  return presence;
}

/** The occupant's current available presence as a non-self recipient sees it (cached). */
export function currentPresence(occ: Occupant, withJid: boolean): El {
  if (withJid) return (occ.cache.withJid ??= buildOccupantPresence(occ, {}, occ.primary.full));
  return (occ.cache.withoutJid ??= buildOccupantPresence(occ, {}, undefined));
}

/** Forgets cached presences after the payload, role, affiliation, nick or primary session changed. */
export function invalidatePresence(occ: Occupant): void {
  occ.cache = {};
}

/**
 * The same stanza addressed to one recipient: a shallow copy with a new attrs object, so a
 * broadcast builds its element once and shares the children (`deliver` only serializes).
 */
export function addressed(stanza: El, to: string): El {
  // Object.assign into a literal is several times faster than object spread in V8 here (the hot
  // path of groupchat fan-out); `to` is set again in case the template carried one.
  const attrs: Record<string, string> = Object.assign({ to }, stanza.attrs);
  attrs.to = to;
  return { name: stanza.name, attrs, children: stanza.children };
}
