// A scripted conference participant on a WireClient, as lib-jitsi-meet behaves on the wire
// (protocols.md §1, §2, §12): anonymous login, the focus `conference` IQ, MUC join with XEP-0115
// caps (advertising json-encoded-sources or not), then Jingle with the focus through the room.
// It answers disco#info from the room and acknowledges Jingle IQs at once; the Jingle IQs stay in
// the inbox for the test to read. Works against any XMPP server over TCP (ours or Prosody).
import { createHash } from 'node:crypto';
import type { El, EndpointSources, IceUdpTransport, Jingle, MediaSource } from '@plenum/xmpp/codec';
import {
  NS_DISCO_INFO, NS_FOCUS, NS_JINGLE, NS_MUC, child, children, decodeJingle, el, encodeDiscoInfo, encodeJingle, iqResult, serialize,
} from '@plenum/xmpp/codec';
import { WireClient } from './wire-client.ts';

/** Where a participant connects and which names the deployment uses. */
export type ParticipantOptions = {
  /** Client port (TCP, XEP-0368-less plain stream). */
  readonly port: number;
  readonly host?: string;
  /** Domain to log into anonymously (default `plenum.localhost`). */
  readonly domain?: string;
  /** Conference MUC service (default `conference.<domain>`). */
  readonly mucDomain?: string;
  /** The focus component (default `focus.<domain>`). */
  readonly focusDomain?: string;
  /** Room name (node part). */
  readonly room: string;
  /** Advertise `http://jitsi.org/json-encoded-sources` (sources come as JSON then). */
  readonly json?: boolean;
  /** `<jitsi_participant_region>` in the MUC presence. */
  readonly region?: string;
};

/** Features a Jitsi web client advertises (protocols.md §12), optionally with JSON sources. */
export function clientFeatures(json: boolean): string[] {
  return [
    'http://jabber.org/protocol/caps', 'urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1', 'urn:xmpp:jingle:apps:rtp:audio',
    'urn:xmpp:jingle:apps:rtp:video', 'urn:xmpp:jingle:apps:dtls:0', 'urn:xmpp:jingle:transports:ice-udp:1',
    'urn:xmpp:jingle:transports:dtls-sctp:1', 'urn:ietf:rfc:4588', 'http://jitsi.org/tcc', 'http://jitsi.org/remb',
    'http://jitsi.org/source-name', 'http://jitsi.org/receive-multiple-video-streams',
    ...(json ? ['http://jitsi.org/json-encoded-sources'] : []),
  ];
}

/** A camera: audio plus 3 simulcast layers with RTX, the shape lib-jitsi-meet sends. SSRCs base+1, base+10…12, base+20…22. */
export function cameraSources(nick: string, base: number): EndpointSources {
  const v = (ssrc: number): MediaSource => ({ ssrc, name: `${nick}-v0`, msid: `${nick}-video-1 v0`, videoType: 'camera', parameters: [] });
  return {
    audio: [{ ssrc: base + 1, name: `${nick}-a0`, msid: `${nick}-audio-1 a0`, parameters: [] }],
    audioGroups: [],
    video: [v(base + 10), v(base + 11), v(base + 12), v(base + 20), v(base + 21), v(base + 22)],
    videoGroups: [
      { semantics: 'SIM', ssrcs: [base + 10, base + 11, base + 12] },
      { semantics: 'FID', ssrcs: [base + 10, base + 20] }, { semantics: 'FID', ssrcs: [base + 11, base + 21] }, { semantics: 'FID', ssrcs: [base + 12, base + 22] },
    ],
  };
}

/** A screen share: one desktop source with RTX (SSRCs base+30, base+31). */
export function screenSources(nick: string, base: number): EndpointSources {
  const v = (ssrc: number): MediaSource => ({ ssrc, name: `${nick}-v1`, msid: `${nick}-desktop-1 v1`, videoType: 'desktop', parameters: [] });
  return { audio: [], audioGroups: [], video: [v(base + 30), v(base + 31)], videoGroups: [{ semantics: 'FID', ssrcs: [base + 30, base + 31] }] };
}

/** The transport a participant answers with: its own ICE credentials and DTLS fingerprint, `setup=active`. */
export const PARTICIPANT_TRANSPORT: IceUdpTransport = {
  ufrag: 'clientufrag', pwd: 'clientpassword0123456789',
  fingerprints: [{ hash: 'sha-256', setup: 'active', value: '11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF' }],
  candidates: [], rtcpMux: true,
};

/** XEP-0115 §5.1 verification string of identities and features (no extension forms), SHA-1, base64. */
function capsVer(query: El): string {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const ids = children(query, 'identity').map((i) => [i.attrs.category ?? '', i.attrs.type ?? '', i.attrs['xml:lang'] ?? '', i.attrs.name ?? ''].join('/')).sort(cmp);
  const features = children(query, 'feature').map((f) => f.attrs.var ?? '').sort(cmp);
  return createHash('sha1').update([...ids, ...features].map((s) => `${s}<`).join(''), 'utf8').digest('base64');
}

let nextId = 0;

/** One scripted participant. */
export class ScriptedParticipant {
  /** The MUC nickname = COLIBRI2 endpoint id: the first 8 characters of the node (protocols.md §12). */
  readonly nick: string;
  readonly roomJid: string;
  readonly features: readonly string[];

  private constructor(
    readonly client: WireClient,
    /** The full JID the server bound. */
    readonly jid: string,
    readonly focusDomain: string,
    roomJid: string,
    readonly options: ParticipantOptions,
  ) {
    const local = jid.split('@')[0] ?? '';
    this.nick = local.replace(/[^0-9a-zA-Z]/g, '').slice(0, 8) || `p${++nextId}`;
    this.roomJid = roomJid;
    this.features = clientFeatures(options.json ?? false);
    client.handlers.push((e) => this.#autoAnswer(e));
  }

  /** Connects and logs in anonymously; does not ask for a conference yet. */
  static async connect(opts: ParticipantOptions): Promise<ScriptedParticipant> {
    const domain = opts.domain ?? 'plenum.localhost';
    const client = await WireClient.tcp(opts.port, opts.host);
    try {
      const jid = await client.loginAnonymous(domain);
      return new ScriptedParticipant(client, jid, opts.focusDomain ?? `focus.${domain}`, `${opts.room}@${opts.mucDomain ?? `conference.${domain}`}`, opts);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** connect + conference request (must be ready) + MUC join. */
  static async join(opts: ParticipantOptions): Promise<ScriptedParticipant> {
    const p = await ScriptedParticipant.connect(opts);
    try {
      const reply = await p.requestConference();
      const ready = child(reply, 'conference', NS_FOCUS)?.attrs.ready;
      if (reply.attrs.type !== 'result' || ready !== 'true') throw new Error(`conference request not ready: ${serialize(reply)}`);
      await p.enterRoom();
    } catch (error) {
      p.close();
      throw error;
    }
    return p;
  }

  get occupantJid(): string {
    return `${this.roomJid}/${this.nick}`;
  }

  /** The focus as an occupant of the room: where Jingle goes and comes from. */
  get focusOccupant(): string {
    return `${this.roomJid}/focus`;
  }

  /** Sends an IQ get/set and resolves with its result or error. */
  request(iq: El, timeoutMs = 5000): Promise<El> {
    const id = iq.attrs.id ?? `sp${++nextId}`;
    this.client.send({ ...iq, attrs: { ...iq.attrs, id } });
    return this.client.next((e) => e.name === 'iq' && e.attrs.id === id && (e.attrs.type === 'result' || e.attrs.type === 'error'), timeoutMs, `reply to ${id}`);
  }

  /** The focus `conference` IQ (protocols.md §1.1). */
  requestConference(properties: Record<string, string> = {}): Promise<El> {
    return this.request(el('iq', { type: 'set', to: this.focusDomain },
      el('conference', { xmlns: NS_FOCUS, room: this.roomJid, 'machine-uid': `test-${this.nick}` },
        el('property', { name: 'visitors-version', value: '1' }),
        Object.entries(properties).map(([name, value]) => el('property', { name, value })))), 10_000);
  }

  /** MUC join with caps, region and an empty SourceInfo, as lib-jitsi-meet does; resolves with the self-presence. */
  async enterRoom(): Promise<El> {
    this.client.send(el('presence', { to: this.occupantJid },
      el('x', { xmlns: NS_MUC }),
      el('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://jitsi.org/jitsi-meet', ver: capsVer(this.#discoQuery()) }),
      el('SourceInfo', {}, '{}'),
      this.options.region !== undefined ? el('jitsi_participant_region', {}, this.options.region) : undefined));
    const self = await this.client.next((e) => e.name === 'presence' && e.attrs.from === this.occupantJid, 5000, 'self-presence');
    if (self.attrs.type === 'error') throw new Error(`MUC join refused: ${serialize(self)}`);
    return self;
  }

  /** The next Jingle IQ from the focus with this action, decoded (and the IQ it came in). */
  async nextJingle(action: string, timeoutMs = 5000): Promise<Jingle & { readonly iq: El }> {
    const iq = await this.client.next((e) => e.name === 'iq' && e.attrs.type === 'set' && e.attrs.from === this.focusOccupant
      && child(e, 'jingle', NS_JINGLE)?.attrs.action === action, timeoutMs, `${this.nick}: jingle ${action}`);
    const decoded = decodeJingle(child(iq, 'jingle', NS_JINGLE) as El);
    if (!decoded.ok) throw new Error(`focus sent malformed jingle: ${decoded.error.text}`);
    return { ...decoded.value, iq };
  }

  /** True when a Jingle IQ with this action is waiting unread in the inbox. */
  hasPendingJingle(action: string): boolean {
    return this.client.inbox.some((e) => child(e, 'jingle', NS_JINGLE)?.attrs.action === action);
  }

  /** session-accept with these sources and {@link PARTICIPANT_TRANSPORT} (fingerprint setup=active). */
  accept(offer: Jingle, sources: EndpointSources): Promise<El> {
    return this.#jingle({
      action: 'session-accept', sid: offer.sid, responder: this.jid,
      contents: contentsOf(sources, true), groups: [{ semantics: 'BUNDLE', contents: ['audio', 'video', 'data'] }],
    });
  }

  sourceAdd(sid: string, sources: EndpointSources): Promise<El> {
    return this.#jingle({ action: 'source-add', sid, contents: contentsOf(sources, false), groups: [] });
  }

  sourceRemove(sid: string, sources: EndpointSources): Promise<El> {
    return this.#jingle({ action: 'source-remove', sid, contents: contentsOf(sources, false), groups: [] });
  }

  /** Leaves the room (no session-terminate, like lib-jitsi-meet). */
  leave(): void {
    this.client.send(el('presence', { to: this.occupantJid, type: 'unavailable' }));
  }

  /** Drops the connection. */
  close(): void {
    this.client.close();
  }

  #jingle(j: Jingle): Promise<El> {
    return this.request(el('iq', { type: 'set', to: this.focusOccupant }, encodeJingle(j)));
  }

  #discoQuery(): El {
    return encodeDiscoInfo({ identities: [{ category: 'client', type: 'web', name: 'Plenum test' }], features: [...this.features] });
  }

  /** disco#info is answered; Jingle IQs are acknowledged (and left in the inbox). */
  #autoAnswer(e: El): boolean {
    if (e.name !== 'iq' || (e.attrs.type !== 'get' && e.attrs.type !== 'set')) return false;
    if (e.attrs.type === 'get' && child(e, 'query', NS_DISCO_INFO) !== undefined) {
      this.client.send(iqResult(e, this.#discoQuery()));
      return true;
    }
    if (child(e, 'jingle', NS_JINGLE) !== undefined) this.client.send(iqResult(e));
    return false;
  }
}

/** Sources as the audio/video contents of a session-accept (with transport) or source-add/-remove (without). */
function contentsOf(s: EndpointSources, withTransport: boolean): Jingle['contents'] {
  const desc = (media: 'audio' | 'video') => ({
    media, payloadTypes: [], headerExtensions: [], extmapAllowMixed: false, rtcpMux: withTransport,
    sources: media === 'audio' ? s.audio : s.video, sourceGroups: media === 'audio' ? s.audioGroups : s.videoGroups,
  });
  return (['audio', 'video'] as const).map((media) => ({
    name: media, creator: 'initiator' as const, senders: 'both' as const, description: desc(media),
    ...(withTransport ? { transport: PARTICIPANT_TRANSPORT } : {}),
  }));
}
