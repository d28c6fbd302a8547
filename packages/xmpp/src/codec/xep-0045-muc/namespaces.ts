// XEP-0045 §16.1 (https://xmpp.org/extensions/xep-0045.html#registrar-protocol): protocol namespaces.

/** Join requests (`<x>` in the entering presence). */
export const NS_MUC = 'http://jabber.org/protocol/muc';
/** Extended presence and in-room messages from the service. */
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
/** Moderator and admin requests (roles, affiliations, lists). */
export const NS_MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
/** Owner requests (configuration, destruction). */
export const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
/** FORM_TYPE of the room configuration form (§16.5.3). */
export const FORM_MUC_ROOMCONFIG = 'http://jabber.org/protocol/muc#roomconfig';
/** FORM_TYPE of the room information form in disco#info (§16.5.4). */
export const FORM_MUC_ROOMINFO = 'http://jabber.org/protocol/muc#roominfo';
/** Disco feature: the room reflects message ids unchanged (XEP-0045 §7.4). */
export const NS_MUC_STABLE_ID = 'http://jabber.org/protocol/muc#stable_id';
/** Disco feature: the service answers self-pings for the client (XEP-0410 §3.3). */
export const NS_MUC_SELF_PING = 'http://jabber.org/protocol/muc#self-ping-optimization';

/** XEP-0045 §12 status codes used by this codebase (registry: §16.7). */
export const MucStatus = {
  /** Entering: any occupant may see your real JID. */
  nonAnonymous: 100,
  /** Message: a configuration change that is not privacy related. */
  configurationChanged: 104,
  /** Presence refers to the recipient itself. */
  self: 110,
  /** Message: the room is now non-anonymous. */
  nowNonAnonymous: 172,
  /** Message: the room is now semi-anonymous. */
  nowSemiAnonymous: 173,
  /** Entering: the room was just created. */
  roomCreated: 201,
  /** The service assigned or changed the nickname. */
  nickAssigned: 210,
  /** Removed: banned. */
  banned: 301,
  /** Exiting: nickname changed (item carries the new nick). */
  nickChanged: 303,
  /** Removed: kicked. */
  kicked: 307,
  /** Removed: affiliation change. */
  affiliationChanged: 321,
  /** Removed: the room became members-only. */
  membersOnly: 322,
  /** Removed: the service shuts down. */
  serviceShutdown: 332,
  /** Removed: an error reply from the user's server (XEP-0045 §11.1). */
  removedOnError: 333,
} as const;

/** A status code listed in {@link MucStatus}. */
export type MucStatusCode = (typeof MucStatus)[keyof typeof MucStatus];
