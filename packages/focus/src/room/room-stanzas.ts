// The MUC side of a conference (XEP-0045; protocols.md §1.2): the focus's join and leave, the owner
// form that makes the room non-anonymous, the room's meeting id, owner grants, and what an occupant
// presence says. Pure builders and readers.
import type { El, MucAffiliation, MucRole } from '@plenum/xmpp/codec';
import {
  FORM_MUC_ROOMCONFIG, FORM_MUC_ROOMINFO, NS_DISCO_INFO, NS_MUC, NS_MUC_OWNER, NS_MUC_USER, child, children,
  decodeDataForm, decodeMucUserX, el, encodeDataForm, encodeMucAdminQuery, fieldValue, formTypeField, formTypeOf, text,
} from '@plenum/xmpp/codec';

/** How long the MUC may take to answer the focus (join, configuration, disco, grants). */
export const ROOM_TIMEOUT_MS = 10_000;

/** The focus enters a room (or the brewery): `<presence to=room/nick><x xmlns=muc/></presence>`. */
export const joinPresence = (from: string, occupantJid: string, extra: readonly El[] = []): El =>
  el('presence', { from, to: occupantJid }, el('x', { xmlns: NS_MUC }), extra);

/** The focus leaves. */
export const leavePresence = (from: string, occupantJid: string): El => el('presence', { from, to: occupantJid, type: 'unavailable' });

/**
 * XEP-0045 §10.2 owner form: `muc#roomconfig_whois=anyone` (Jitsi clients ignore occupants without
 * a real JID, protocols.md §12) and, for conference rooms, the participant cap (+1 for the focus itself).
 */
export function ownerConfigIq(from: string, roomJid: string, id: string, maxUsers?: number): El {
  return el('iq', { from, to: roomJid, type: 'set', id },
    el('query', { xmlns: NS_MUC_OWNER }, encodeDataForm({
      type: 'submit',
      fields: [
        formTypeField(FORM_MUC_ROOMCONFIG),
        { var: 'muc#roomconfig_whois', values: ['anyone'] },
        ...(maxUsers !== undefined ? [{ var: 'muc#roomconfig_maxusers', values: [String(maxUsers)] }] : []),
      ],
    })));
}

/** disco#info of the room (XEP-0045 §6.4), for `muc#roominfo_meetingId`. */
export const roomInfoIq = (from: string, roomJid: string, id: string): El =>
  el('iq', { from, to: roomJid, type: 'get', id }, el('query', { xmlns: NS_DISCO_INFO }));

/** The meeting id in a room disco#info result (mod_muc_meeting_id, protocols.md §1.2). */
export function meetingIdOf(reply: El): string | undefined {
  const query = child(reply, 'query', NS_DISCO_INFO);
  if (query === undefined) return undefined;
  for (const x of children(query, 'x', 'jabber:x:data')) {
    const form = decodeDataForm(x);
    if (!form.ok || formTypeOf(form.value) !== FORM_MUC_ROOMINFO) continue;
    const id = fieldValue(form.value, 'muc#roominfo_meetingId');
    if (id !== undefined && id !== '') return id;
  }
  return undefined;
}

/** XEP-0045 §10.3 grant owner to a bare JID (the participant becomes moderator, protocols.md §8.5). */
export const grantOwnerIq = (from: string, roomJid: string, bareJid: string, id: string): El =>
  el('iq', { from, to: roomJid, type: 'set', id }, encodeMucAdminQuery([{ affiliation: 'owner', jid: bareJid }]));

/** What an occupant presence from the room says. */
export type OccupantPresence = {
  readonly nick: string;
  readonly isUnavailable: boolean;
  readonly realJid?: string;
  readonly affiliation: MucAffiliation;
  readonly role: MucRole;
  readonly statuses: readonly number[];
};

/** Reads an occupant presence (`from` = room/nick); undefined when it is not one. */
export function readOccupantPresence(presence: El, roomJid: string): OccupantPresence | undefined {
  const from = presence.attrs.from ?? '';
  if (!from.startsWith(`${roomJid}/`)) return undefined;
  const nick = from.slice(roomJid.length + 1);
  if (nick === '') return undefined;
  const x = child(presence, 'x', NS_MUC_USER);
  const decoded = x === undefined ? undefined : decodeMucUserX(x);
  const user = decoded?.ok === true ? decoded.value : undefined;
  const item = user?.items[0];
  return {
    nick,
    isUnavailable: presence.attrs.type === 'unavailable',
    ...(item?.jid !== undefined ? { realJid: item.jid } : {}),
    affiliation: item?.affiliation ?? 'none',
    role: item?.role ?? (presence.attrs.type === 'unavailable' ? 'none' : 'participant'),
    statuses: user?.statuses ?? [],
  };
}

/** A presence child in the client namespace (`<jitsi_participant_region>`, `<stats-id>`), as text. */
export function presenceText(presence: El, name: string): string | undefined {
  const c = child(presence, name);
  if (c === undefined) return undefined;
  const v = text(c).trim();
  return v === '' ? undefined : v;
}

/** The `<features><feature var/></features>` a recorder or gateway puts in its presence (protocols.md §1.2). */
export function presenceFeatures(presence: El): string[] {
  const f = child(presence, 'features');
  return f === undefined ? [] : children(f, 'feature').flatMap((x) => (x.attrs.var !== undefined ? [x.attrs.var] : []));
}
