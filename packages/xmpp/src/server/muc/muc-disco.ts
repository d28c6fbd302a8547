import type { StanzaErrorBody } from '@plenum/kit';
import type { Jid } from '../../codec/jid/index.ts';
import { formatJid } from '../../codec/jid/index.ts';
import type { El } from '../../codec/xml/index.ts';
import { iqResult } from '../../codec/stanza/index.ts';
import type { DiscoItem } from '../../codec/xep-0030-disco/index.ts';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, encodeDiscoInfo, encodeDiscoItems } from '../../codec/xep-0030-disco/index.ts';
import { encodeDataForm, formTypeField } from '../../codec/xep-0004-data-forms/index.ts';
import { FORM_MUC_ROOMINFO, NS_MUC, NS_MUC_SELF_PING, NS_MUC_STABLE_ID } from '../../codec/xep-0045-muc/index.ts';
import type { MucServiceDeps } from './muc-types.ts';
import type { Room } from './muc-room.ts';
import { isPasswordProtected } from './room-config.ts';
import { MucErrors, mucErrorReply } from './muc-errors.ts';

/** Most rooms listed in one disco#items answer (no RSM paging yet); keeps the reply bounded. */
export const MAX_LISTED_ROOMS = 500;

/** XEP-0045 §6.1/§6.3: the service's identity and features, and its public rooms. */
export function handleServiceDisco(deps: MucServiceDeps, rooms: Iterable<Room>, iq: El, query: El): void {
  const node = query.attrs.node;
  if (node !== undefined && (query.attrs.xmlns !== NS_DISCO_INFO || deps.hooks?.answersDiscoNode?.(node) !== true)) {
    return deps.deliver(mucErrorReply(iq, MucErrors.roomNotFound()));
  }
  if (query.attrs.xmlns === NS_DISCO_INFO) {
    deps.deliver(iqResult(iq, encodeDiscoInfo({
      ...(node !== undefined ? { node } : {}),
      identities: [{ category: 'conference', type: 'text', name: 'Plenum conference rooms' }],
      features: [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC],
    })));
    return;
  }
  const items: DiscoItem[] = [];
  for (const room of rooms) {
    if (items.length >= MAX_LISTED_ROOMS) break;
    if (!room.config.isPublic || room.isLocked) continue;
    items.push({ jid: room.jid, ...(room.config.name !== '' ? { name: room.config.name } : {}) });
  }
  deps.deliver(iqResult(iq, encodeDiscoItems(items)));
}

/**
 * XEP-0045 §6.4: a room's identity, features (room type) and muc#roominfo form (XEP-0128), which
 * Jitsi reads for the meeting id. §6.5: items are the occupant JIDs, shown to occupants only.
 */
export function handleRoomDisco(room: Room, iq: El, query: El, from: Jid): void {
  const deps = room.host.deps;
  const reply = (error: StanzaErrorBody): void => deps.deliver(mucErrorReply(iq, error));
  // §10.1.3: a locked room does not exist yet for anyone but its owners.
  if (room.isLocked && room.effectiveAffiliation(from) !== 'owner') return reply(MucErrors.roomNotFound());
  if (query.attrs.node !== undefined) return reply(MucErrors.roomNotFound());
  if (query.attrs.xmlns === NS_DISCO_ITEMS) {
    const isOccupant = room.bySession.has(formatJid(from));
    const items = isOccupant ? [...room.byNick.values()].map((o): DiscoItem => ({ jid: o.occupantJid })) : [];
    deps.deliver(iqResult(iq, encodeDiscoItems(items)));
    return;
  }
  const c = room.config;
  const form = encodeDataForm({
    type: 'result',
    fields: [
      formTypeField(FORM_MUC_ROOMINFO),
      { var: 'muc#roominfo_meetingId', type: 'text-single', label: 'The meeting unique id', values: [room.meetingId] },
      { var: 'muc#roominfo_occupants', type: 'text-single', label: 'Number of occupants', values: [String(room.occupantCount)] },
      { var: 'muc#roominfo_created_timestamp', type: 'text-single', label: 'Creation time (ms since epoch)', values: [String(room.createdAtMs)] },
      { var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Natural-language room name', values: [c.name] },
      { var: 'muc#roominfo_description', type: 'text-single', label: 'Description', values: [c.description] },
      { var: 'muc#roominfo_subject', type: 'text-single', label: 'Subject', values: [room.subject?.text ?? ''] },
      { var: 'muc#roomconfig_changesubject', type: 'boolean', label: 'Occupants may change the subject', values: [c.canOccupantsChangeSubject ? '1' : '0'] },
      { var: 'muc#roominfo_subjectmod', type: 'boolean', label: 'Occupants may change the subject', values: [c.canOccupantsChangeSubject ? '1' : '0'] },
      ...(deps.hooks?.roomInfo?.(room) ?? []),
    ],
  });
  deps.deliver(iqResult(iq, encodeDiscoInfo({
    identities: [{ category: 'conference', type: 'text', name: c.name === '' ? (room.jid.split('@')[0] ?? room.jid) : c.name }],
    features: [
      NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, NS_MUC_STABLE_ID, NS_MUC_SELF_PING,
      // §16.4 room type features.
      isPasswordProtected(c) ? 'muc_passwordprotected' : 'muc_unsecured',
      c.isMembersOnly ? 'muc_membersonly' : 'muc_open',
      room.isNonAnonymous ? 'muc_nonanonymous' : 'muc_semianonymous',
      'muc_temporary',
      c.isModerated ? 'muc_moderated' : 'muc_unmoderated',
      c.isPublic ? 'muc_public' : 'muc_hidden',
    ],
    extensions: [form],
  })));
}
