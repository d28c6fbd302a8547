// Our MUC presence as Jitsi's web client writes it (protocols.md §8.6, §12) and the reading of
// other occupants' presence into what the roster shows.
import type { El } from '@plenum/xmpp/codec';
import {
  NS_MUC_USER, child, decodeMucUserX, el, encodeDiscoInfo, encodeMucJoin, text,
} from '@plenum/xmpp/codec';

export const NS_NICK = 'http://jabber.org/protocol/nick';
export const NS_CAPS = 'http://jabber.org/protocol/caps';
export const CAPS_NODE = 'https://jitsi.org/jitsi-meet';

/** Features we advertise (disco#info and caps): what the focus reads to shape its offer (§2.1). */
export const CLIENT_FEATURES: readonly string[] = [
  'http://jabber.org/protocol/caps', 'urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1', 'urn:xmpp:jingle:apps:rtp:audio',
  'urn:xmpp:jingle:apps:rtp:video', 'urn:xmpp:jingle:apps:dtls:0', 'urn:xmpp:jingle:transports:ice-udp:1', 'urn:ietf:rfc:4588',
  'http://jitsi.org/tcc', 'http://jitsi.org/source-name', 'http://jitsi.org/receive-multiple-video-streams',
  'http://jitsi.org/json-encoded-sources', 'urn:xmpp:jingle:transports:dtls-sctp:1',
];
export const CLIENT_IDENTITY = { category: 'client', type: 'web', name: 'Plenum' } as const;

export const discoInfoQuery = (node?: string): El =>
  encodeDiscoInfo({ identities: [CLIENT_IDENTITY], features: [...CLIENT_FEATURES], ...(node !== undefined ? { node } : {}) });

/** XEP-0115 §5.1 verification string (identities and features only), SHA-1, base64. */
export async function capsVer(): Promise<string> {
  const ids = [`${CLIENT_IDENTITY.category}/${CLIENT_IDENTITY.type}//${CLIENT_IDENTITY.name}`];
  const features = [...CLIENT_FEATURES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const s = [...ids, ...features].map((x) => `${x}<`).join('');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(s)));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** What our presence says. */
export type OwnPresence = {
  readonly nick: string;
  readonly displayName: string;
  readonly audioMuted: boolean;
  readonly videoMuted: boolean;
  readonly screenSharing: boolean;
  readonly handRaisedAt: number | undefined;
  readonly statsId: string;
  readonly capsVer: string;
};

/** SourceInfo JSON: mute state and video type of each of our sources. */
export function sourceInfo(p: OwnPresence): string {
  const info: Record<string, { muted: boolean; videoType?: string }> = {
    [`${p.nick}-a0`]: { muted: p.audioMuted },
    [`${p.nick}-v0`]: { muted: p.videoMuted, videoType: 'camera' },
  };
  if (p.screenSharing) info[`${p.nick}-v1`] = { muted: false, videoType: 'desktop' };
  return JSON.stringify(info);
}

/** Presence to the room (join when `join` is set: with the MUC `<x>` and password). */
export function ownPresence(to: string, p: OwnPresence, join?: { password?: string }): El {
  return el('presence', { to },
    join !== undefined ? encodeMucJoin(join.password !== undefined ? { password: join.password, history: { maxStanzas: 0 } } : { history: { maxStanzas: 0 } }) : undefined,
    el('stats-id', {}, p.statsId),
    el('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: p.capsVer }),
    el('SourceInfo', {}, sourceInfo(p)),
    el('jitsi_participant_codecList', {}, 'vp8'),
    p.displayName !== '' ? el('nick', { xmlns: NS_NICK }, p.displayName) : undefined,
    el('jitsi_participant_raisedHand', {}, p.handRaisedAt !== undefined ? String(p.handRaisedAt) : ''),
  );
}

/** One occupant as its presence describes it. */
export type OccupantPresence = {
  readonly nick: string;
  readonly realJid: string | undefined;
  readonly role: string | undefined;
  readonly affiliation: string | undefined;
  readonly displayName: string;
  /** SourceInfo: source name → muted / videoType. */
  readonly sources: Readonly<Record<string, { readonly muted: boolean; readonly videoType?: string }>>;
  readonly handRaisedAt: number | undefined;
  readonly statuses: readonly number[];
  readonly unavailable: boolean;
  /** `<features><feature var/>`: what kind of occupant this is (a recorder, a phone gateway's caller). */
  readonly features: readonly string[];
  /** The presence's `<status>` text (a phone gateway's call progress: Calling, Ringing, Connected…). */
  readonly statusText: string;
  /** Legacy `<audiomuted>` (what Jigasi-style gateways send instead of SourceInfo), when present. */
  readonly legacyAudioMuted: boolean | undefined;
};

/** Jibri's feature: a recorder, hidden from the views (protocols.md §6). */
export const FEATURE_RECORDER = 'http://jitsi.org/protocol/jibri';
/** Jigasi's feature: a phone caller through the SIP gateway (protocols.md §7). */
export const FEATURE_PHONE = 'http://jitsi.org/protocol/jigasi';

function readFeatures(p: El): string[] {
  const features = child(p, 'features');
  if (features === undefined) return [];
  const out: string[] = [];
  for (const f of features.children) {
    if (typeof f !== 'string' && f.name === 'feature' && f.attrs.var !== undefined && out.length < 32) out.push(f.attrs.var);
  }
  return out;
}

function parseSourceInfo(s: string): OccupantPresence['sources'] {
  if (s === '' || s.length > 16_384) return {};
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    // No prototype: a "__proto__" key from the wire stays an ordinary (ignored) entry.
    const out: Record<string, { muted: boolean; videoType?: string }> = Object.create(null) as Record<string, { muted: boolean; videoType?: string }>;
    for (const [name, info] of Object.entries(v as Record<string, unknown>)) {
      if (typeof info !== 'object' || info === null) continue;
      const muted = (info as { muted?: unknown }).muted === true;
      const videoType = (info as { videoType?: unknown }).videoType;
      out[name] = { muted, ...(typeof videoType === 'string' ? { videoType } : {}) };
    }
    return out;
  } catch {
    return {};
  }
}

/** Reads an occupant's presence from the room (`from` = room@muc/nick); undefined if it is not one. */
export function readOccupantPresence(p: El): OccupantPresence | undefined {
  const from = p.attrs.from ?? '';
  const slash = from.indexOf('/');
  if (slash === -1) return undefined;
  const x = child(p, 'x', NS_MUC_USER);
  const decoded = x ? decodeMucUserX(x) : undefined;
  const item = decoded?.ok ? decoded.value.items[0] : undefined;
  const raised = Number(text(child(p, 'jitsi_participant_raisedHand')));
  return {
    nick: from.slice(slash + 1),
    realJid: item?.jid,
    role: item?.role,
    affiliation: item?.affiliation,
    displayName: text(child(p, 'nick', NS_NICK)),
    sources: parseSourceInfo(text(child(p, 'SourceInfo'))),
    handRaisedAt: Number.isFinite(raised) && raised > 0 ? raised : undefined,
    statuses: decoded?.ok ? decoded.value.statuses : [],
    unavailable: p.attrs.type === 'unavailable',
    features: readFeatures(p),
    statusText: text(child(p, 'status')).slice(0, 64),
    legacyAudioMuted: child(p, 'audiomuted') === undefined ? undefined : text(child(p, 'audiomuted')) === 'true',
  };
}
