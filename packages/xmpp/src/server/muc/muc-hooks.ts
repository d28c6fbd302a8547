import type { Jid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import type { MucAffiliation, MucJoin } from '../../codec/xep-0045-muc/index.ts';
import type { DataField } from '../../codec/xep-0004-data-forms/index.ts';
import type { Room } from './muc-room.ts';
import type { Occupant } from './occupant.ts';
import type { ConfigChange } from './room-config.ts';
import type { MucRefusal } from './muc-errors.ts';

/** What an admission hook decided about a non-member entering a members-only room. */
export type MucAdmission =
  /** Let in as a member (the hook stored the affiliation): members-only and password checks are skipped. */
  | { readonly kind: 'admit' }
  | { readonly kind: 'refuse'; readonly refusal: MucRefusal };

/**
 * Extension points of a MUC service, in the spirit of Prosody's muc-* events: the lobby uses them
 * (mod_muc_lobby_rooms' hooks). Every hook is optional and runs synchronously inside the
 * service's handling of one stanza.
 */
export type MucHooks = {
  /**
   * A join to an existing members-only room by a member or someone without affiliation (not a
   * service admin, not banned), before the members-only and password checks (Prosody's
   * muc-occupant-pre-join). Undefined leaves the usual checks to decide.
   */
  readonly admission?: (room: Room, real: Jid, presence: El, join: MucJoin | undefined) => MucAdmission | undefined;
  /** An owner's accepted configuration, applied, before the §10.2.1 notice and members-only removals. */
  readonly configured?: (room: Room, actor: Jid, change: ConfigChange) => void;
  /** A mediated invitation (§7.8.2) was sent to `invitee`. */
  readonly invited?: (room: Room, inviter: Jid, invitee: Jid) => void;
  /** A moderator kicked `occupant` (§8.2, status 307); called after everyone was told. */
  readonly kicked?: (room: Room, occupant: Occupant, actor: Jid) => void;
  /** The room ended (emptied, destroyed or shut down); it is no longer in the service. */
  readonly closed?: (room: Room) => void;
  /** A disco#info node the service answers like its own info (the lobby's `lobbyrooms`, which Jitsi's client asks). */
  readonly answersDiscoNode?: (node: string) => boolean;
  /** Extra muc#roominfo fields of the room's disco#info (XEP-0045 §6.4, XEP-0128). */
  readonly roomInfo?: (room: Room) => readonly DataField[];
  /**
   * The affiliation of `real` in room `roomJid` when another service decides it (lobby rooms take
   * the main room's); undefined falls back to the room's own list.
   */
  readonly linkedAffiliation?: (roomJid: string, real: Jid) => MucAffiliation | undefined;
};
