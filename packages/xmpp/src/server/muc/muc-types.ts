import type { Clock, Logger, StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import type { El, XmlNode } from '../../codec/xml/index.ts';
import type { MucAffiliation, MucRole } from '../../codec/xep-0045-muc/index.ts';
import type { RoomConfig } from './room-config.ts';
import type { MucHooks } from './muc-hooks.ts';

/** Decisions the MUC service leaves to the server (who is staff, who may enter). */
export type MucPolicy = {
  /** Service-wide admins (the focus component, configured JIDs): may create rooms, get owner rights in every room, bypass passwords, members-only and max-occupants. */
  isAdmin(real: Jid): boolean;
  /** Extra admission check (internal MUC: only components/service accounts; JWT room claim). Return an error body to refuse, undefined to allow. */
  mayEnter(real: Jid, room: Jid): StanzaErrorBody | undefined;
};

/** Limits and switches of one MUC service (the `muc` section of the server config). */
export type MucServiceConfig = {
  readonly restrictRoomCreation: boolean;
  readonly lockNewRooms: boolean;
  readonly maxRooms: number;
  readonly maxOccupantsPerRoom: number;
  readonly maxHistoryMessages: number;
  /** Whois of new rooms; the internal MUC uses `anyone` so bridges can see who the focus is (Jitsi: muc_room_default_public_jids). */
  readonly defaultWhois?: 'moderators' | 'anyone';
};

/** Everything the MUC service needs from the server. */
export type MucServiceDeps = {
  /** The service's domain, e.g. conference.plenum.localhost. */
  domain: string;
  log: Logger;
  clock: Clock;
  /** Random ids (the room's meeting id uuid). */
  newId(): string;
  /** Sends a stanza whose from/to are set; `to` is the recipient's real JID. */
  deliver(stanza: El): void;
  policy: MucPolicy;
  config: MucServiceConfig;
  /** Extension points (the lobby); none by default. */
  hooks?: MucHooks;
};

/** A read-only view of one occupant, for other server parts. */
export type MucOccupantView = {
  readonly nick: string;
  /** room@service/nick */
  readonly occupantJid: string;
  readonly bareJid: string;
  /** Real full JIDs of the occupant's sessions. */
  readonly realJids: readonly string[];
  readonly affiliation: MucAffiliation;
  readonly role: MucRole;
  /** The current presence's children (extensions as the client sent them). */
  readonly presence: readonly XmlNode[];
};

/** A read-only view of one room, for other server parts (metrics, the lobby). */
export interface MucRoom {
  /** The bare room JID (node lower-cased). */
  readonly jid: string;
  /** muc#roominfo_meetingId: fixed for the room's life. */
  readonly meetingId: string;
  readonly createdAtMs: number;
  readonly config: RoomConfig;
  /** True until the owner submits the first configuration (XEP-0045 §10.1.3) when rooms are locked. */
  readonly isLocked: boolean;
  readonly occupantCount: number;
  /** Every occupant, in join order. */
  occupants(): MucOccupantView[];
  occupant(nick: string): MucOccupantView | undefined;
  /** The stored affiliation of a bare JID ('none' when it has none). */
  affiliationOf(bareJid: string): MucAffiliation;
}
