// What a Jitsi client says to the focus, as pure functions (protocols.md §1, §2, §12): its
// disco#info features and XEP-0115 caps, the conference request, the MUC join presence, a camera's
// sources, the session-accept, and the checks the bench applies to the focus's offer.
import { createHash } from 'node:crypto';
import type { El, EndpointSources, IceUdpTransport, Jingle, MediaSource } from '@plenum/xmpp/codec';
import { NS_DISCO_INFO, el, encodeConferenceRequest, encodeDiscoInfo, encodeJingle } from '@plenum/xmpp/codec';

const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_CAPS = 'http://jabber.org/protocol/caps';
const CAPS_NODE = 'https://jitsi.org/jitsi-meet';
const IDENTITY = { category: 'client', type: 'web', name: 'Plenum signaling bench' } as const;

/** The features lib-jitsi-meet advertised in disco#info (protocols.md §12), JSON sources included. */
export const CLIENT_FEATURES: readonly string[] = [
  'http://jabber.org/protocol/caps', 'http://jitsi.org/json-encoded-sources', 'http://jitsi.org/receive-multiple-video-streams',
  'http://jitsi.org/remb', 'http://jitsi.org/source-name', 'http://jitsi.org/start-muted-room-metadata', 'http://jitsi.org/tcc',
  'http://jitsi.org/visitors-1', 'urn:ietf:rfc:4588', 'urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:dtls:0', 'urn:xmpp:jingle:apps:rtp:1',
  'urn:xmpp:jingle:apps:rtp:audio', 'urn:xmpp:jingle:apps:rtp:video', 'urn:xmpp:jingle:transports:dtls-sctp:1',
  'urn:xmpp:jingle:transports:ice-udp:1', 'urn:xmpp:rayo:client:1',
];

/** The disco#info answer every participant gives the focus. */
export const discoInfo = (): El => encodeDiscoInfo({ identities: [IDENTITY], features: [...CLIENT_FEATURES] });

/** XEP-0115 §5.1 verification string (one identity, no forms), SHA-1, base64. */
export const CAPS_VER: string = (() => {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  let s = `${IDENTITY.category}/${IDENTITY.type}//${IDENTITY.name}<`;
  for (const f of [...CLIENT_FEATURES].sort(cmp)) s += `${f}<`;
  return createHash('sha1').update(s, 'utf8').digest('base64');
})();

/** True for a disco#info get without a node (what the focus asks an occupant). */
export const isDiscoInfoGet = (iq: El): boolean =>
  iq.attrs.type === 'get' && iq.children.some((c) => typeof c !== 'string' && c.name === 'query' && c.attrs.xmlns === NS_DISCO_INFO);

/** protocols.md §1.1: the conference request with the properties lib-jitsi-meet sends. */
export function conferenceRequest(focusDomain: string, roomJid: string, machineUid: string): El {
  return el('iq', { type: 'set', to: focusDomain }, encodeConferenceRequest({
    room: roomJid, machineUid, properties: { rtcstatsEnabled: 'false', 'visitors-version': '1' },
  }));
}

/** protocols.md §12: the MUC join with caps, stats id, empty SourceInfo and codec list. */
export function joinPresence(occupantJid: string, statsId: string): El {
  return el('presence', { to: occupantJid },
    el('x', { xmlns: NS_MUC }),
    el('stats-id', {}, statsId),
    el('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: CAPS_VER }),
    el('SourceInfo', {}, '{}'),
    el('jitsi_participant_codecList', {}, 'av1,vp9,vp8,h264'));
}

/** Leaving the room (lib-jitsi-meet sends no session-terminate). */
export const leavePresence = (occupantJid: string): El => el('presence', { to: occupantJid, type: 'unavailable' });

/** A camera as lib-jitsi-meet signals it: one audio SSRC, 3 simulcast layers with RTX (7 SSRCs). */
export function cameraSources(nick: string, ssrc: (i: number) => number): EndpointSources {
  const v = (i: number): MediaSource => ({ ssrc: ssrc(i), name: `${nick}-v0`, msid: `${nick}-video-1 ${nick}-v0`, videoType: 'camera', parameters: [] });
  return {
    audio: [{ ssrc: ssrc(0), name: `${nick}-a0`, msid: `${nick}-audio-1 ${nick}-a0`, parameters: [] }],
    audioGroups: [],
    video: [v(1), v(2), v(3), v(4), v(5), v(6)],
    videoGroups: [
      { semantics: 'SIM', ssrcs: [ssrc(1), ssrc(2), ssrc(3)] },
      { semantics: 'FID', ssrcs: [ssrc(1), ssrc(4)] }, { semantics: 'FID', ssrcs: [ssrc(2), ssrc(5)] }, { semantics: 'FID', ssrcs: [ssrc(3), ssrc(6)] },
    ],
  };
}

/** SSRCs one camera uses. */
export const SSRCS_PER_PARTICIPANT = 7;

const CLIENT_TRANSPORT: IceUdpTransport = {
  ufrag: 'benchufrag', pwd: 'benchpassword0123456789',
  fingerprints: [{ hash: 'sha-256', setup: 'active', value: '11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF' }],
  candidates: [], rtcpMux: true,
};

/**
 * A minimal valid session-accept (protocols.md §2.2): audio and video contents carrying the
 * camera's XEP-0339 sources and the client's transport (fingerprint setup=active, no candidates, as
 * observed from Jitsi's client), and a BUNDLE group that names `data` too (the observed quirk).
 */
export function sessionAccept(offer: Jingle, responder: string, sources: EndpointSources, to: string): El {
  const content = (media: 'audio' | 'video') => ({
    name: media, creator: 'initiator' as const, senders: 'both' as const, transport: CLIENT_TRANSPORT,
    description: {
      media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: true,
      sources: media === 'audio' ? sources.audio : sources.video, sourceGroups: media === 'audio' ? sources.audioGroups : sources.videoGroups,
    },
  });
  return el('iq', { type: 'set', to }, encodeJingle({
    action: 'session-accept', sid: offer.sid, responder,
    contents: [content('audio'), content('video')],
    groups: [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }],
  }));
}

/** Where an offer points: the bridge (colibri-ws server id) and the conference's meeting id there. */
export type OfferTarget = { readonly bridgeId: string; readonly meetingId: string };

/**
 * Checks a session-initiate the way a client relies on it: BUNDLEd audio and video with the
 * bridge's ICE credentials, a DTLS fingerprint (setup=actpass) and a candidate, the bridge channel
 * URL `/colibri-ws/<bridge>/<meeting>/<endpoint>` naming this participant and one of our bridges,
 * a bridge-session id, and JSON sources (we advertised json-encoded-sources) with the bridge's own.
 * Returns the target or what is wrong.
 */
export function checkOffer(j: Jingle, nick: string, bridgeIds: readonly string[]): OfferTarget | string {
  if (j.sid === '') return 'offer without sid';
  if (j.bridgeSession === undefined || j.bridgeSession.id === '') return 'offer without bridge-session id';
  const transports: IceUdpTransport[] = [];
  for (const media of ['audio', 'video']) {
    const c = j.contents.find((x) => x.name === media);
    if (c?.description === undefined) return `offer without ${media} description`;
    if (c.transport !== undefined) transports.push(c.transport);
  }
  const t = transports.find((x) => x.ufrag !== undefined);
  if (t === undefined || t.pwd === undefined) return 'offer without ICE credentials';
  if (!t.fingerprints.some((f) => f.setup === 'actpass' && f.value !== '')) return 'offer without an actpass DTLS fingerprint';
  if (t.candidates.length === 0) return 'offer without candidates';
  if (!j.groups.some((g) => g.semantics === 'BUNDLE' && g.contents.includes('audio') && g.contents.includes('video'))) return 'offer without BUNDLE';
  const url = t.webSocketUrl === undefined ? undefined : /\/colibri-ws\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(t.webSocketUrl);
  if (url === null || url === undefined) return `offer without a bridge channel URL (${t.webSocketUrl ?? 'none'})`;
  const [, server = '', meetingId = '', endpoint = ''] = url;
  const bridgeId = bridgeIds.find((id) => server === id || server === `jvb-${id}`);
  if (bridgeId === undefined) return `offer points at unknown bridge "${server}"`;
  if (decodeURIComponent(endpoint) !== nick) return `offer is for endpoint "${endpoint}", not "${nick}"`;
  if (j.jsonSources === undefined) return 'offer without json-message sources although json-encoded-sources was advertised';
  if (j.jsonSources.jvb === undefined) return 'offer without the bridge\'s feedback sources (owner jvb)';
  return { bridgeId, meetingId: decodeURIComponent(meetingId) };
}

/** SSRCs by owner that a Jingle element announces (JSON and XEP-0339 `ssrc-info owner`). */
export function sourcesByOwner(j: Jingle): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (owner: string, ssrc: number): void => {
    const list = out.get(owner);
    if (list === undefined) out.set(owner, [ssrc]);
    else list.push(ssrc);
  };
  for (const [owner, s] of Object.entries(j.jsonSources ?? {})) for (const x of [...s.audio, ...s.video]) add(owner, x.ssrc);
  for (const c of j.contents) for (const x of c.description?.sources ?? []) add(x.owner ?? '?', x.ssrc);
  return out;
}
