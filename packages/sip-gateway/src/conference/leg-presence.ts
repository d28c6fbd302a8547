// What the call says about itself in the room (protocols.md §7, §8.6) and to the focus's
// disco#info (§2.1). The jigasi feature makes the focus treat the occupant as a service participant
// (when the gateway's domain is in its trustedServiceDomains: never moderator, not counted for
// start-muted) and the web app show a phone. Audio only: no video and no data channel features, so
// the focus offers an audio content alone; JSON sources keep source signalling small. Pure.
import { createHash } from 'node:crypto';
import type { StanzaCondition } from '@plenum/kit';
import type { DiscoInfo, El } from '@plenum/xmpp/codec';
import { FEATURE_BATCHED_DELIVERY, NS_MUC_USER, child, decodeStanzaError, el, encodeDiscoInfo, encodeMucJoin } from '@plenum/xmpp/codec';

export const FEATURE_JIGASI = 'http://jitsi.org/protocol/jigasi';
const NS_CAPS = 'http://jabber.org/protocol/caps';
const NS_NICK = 'http://jabber.org/protocol/nick';
const CAPS_NODE = 'https://plenum.dev/sip-gateway';

/** disco#info of a call's occupant. */
export const LEG_DISCO_INFO: DiscoInfo = {
  identities: [{ category: 'client', type: 'phone', name: 'Plenum SIP gateway' }],
  features: [
    NS_CAPS, 'urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1', 'urn:xmpp:jingle:apps:rtp:audio', 'urn:xmpp:jingle:apps:dtls:0',
    'urn:xmpp:jingle:transports:ice-udp:1', 'http://jitsi.org/source-name', 'http://jitsi.org/json-encoded-sources', FEATURE_JIGASI,
  ],
};

/** XEP-0115 §5.1 verification string (no forms): lets the focus cache the features once for every call. */
function capsVer(info: DiscoInfo): string {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const ids = info.identities.map((i) => `${i.category}/${i.type}//${i.name ?? ''}`).sort(cmp);
  const features = [...info.features].sort(cmp);
  return createHash('sha1').update([...ids, ...features].map((s) => `${s}<`).join(''), 'utf8').digest('base64');
}

const CAPS_VER = capsVer(LEG_DISCO_INFO);

/** The disco#info query answering the focus. */
export const legDiscoQuery = (): El => encodeDiscoInfo(LEG_DISCO_INFO);

/** Everything the call's presence carries. */
export type LegPresenceState = {
  /** Source name of the call's audio (`<nick>-a0`). */
  readonly sourceName: string;
  readonly displayName: string;
  readonly isMuted: boolean;
  readonly region: string | undefined;
  /** `<status>` text (call progress shown by the web app: Calling, Ringing…); undefined: none. */
  readonly statusText: string | undefined;
  /** The E2EE properties (identity key, whether the call's audio is encrypted, the room's state; leg-keys.ts). */
  readonly e2ee?: readonly El[];
  /** Ask for the conference's audio in bursts (the focus tells the bridge; FEATURE_BATCHED_DELIVERY). */
  readonly batchedDelivery?: boolean;
};

/** The extensions of every presence the call sends (join and updates). */
function extensions(s: LegPresenceState): El[] {
  return [
    el('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: CAPS_VER }),
    el('nick', { xmlns: NS_NICK }, s.displayName),
    el('features', {}, el('feature', { var: FEATURE_JIGASI }), s.batchedDelivery === true ? el('feature', { var: FEATURE_BATCHED_DELIVERY }) : undefined),
    el('SourceInfo', {}, JSON.stringify({ [s.sourceName]: { muted: s.isMuted } })),
    // Jigasi's legacy flags, still read by Jitsi clients for gateway occupants.
    el('audiomuted', {}, String(s.isMuted)),
    el('videomuted', {}, 'true'),
    s.region !== undefined ? el('jitsi_participant_region', {}, s.region) : undefined,
    s.statusText !== undefined ? el('status', {}, s.statusText) : undefined,
    ...(s.e2ee ?? []),
  ].filter((e): e is El => e !== undefined);
}

/** The MUC join (XEP-0045 §7.2) with the room password when there is one. */
export function joinPresence(from: string, occupantJid: string, s: LegPresenceState, password: string | undefined): El {
  return el('presence', { from, to: occupantJid }, encodeMucJoin(password !== undefined ? { password } : {}), extensions(s));
}

/** A presence update in the room (mute, status). */
export const updatePresence = (from: string, occupantJid: string, s: LegPresenceState): El => el('presence', { from, to: occupantJid }, extensions(s));

/** Leaving the room. */
export const leavePresence = (from: string, occupantJid: string): El => el('presence', { from, to: occupantJid, type: 'unavailable' });

/** What the room says about the call in its own presence (XEP-0045 §7.2, §9.1, §10.9). */
export type SelfPresence =
  | { readonly kind: 'in-room' }
  | { readonly kind: 'refused'; readonly condition: StanzaCondition | undefined; readonly text: string | undefined }
  | { readonly kind: 'out'; readonly reason: string };

export function readSelfPresence(p: El): SelfPresence {
  if (p.attrs.type === 'error') {
    const body = decodeStanzaError(p);
    return { kind: 'refused', condition: body?.condition, text: body?.text };
  }
  if (p.attrs.type !== 'unavailable') return { kind: 'in-room' };
  const x = child(p, 'x', NS_MUC_USER);
  const statuses = (x?.children ?? []).flatMap((c) => (typeof c !== 'string' && c.name === 'status' ? [c.attrs.code] : []));
  const reason = x !== undefined && child(x, 'destroy') !== undefined ? 'the room was destroyed'
    : statuses.includes('307') ? 'kicked from the room'
      : statuses.includes('301') ? 'banned from the room'
        : 'removed from the room';
  return { kind: 'out', reason };
}
