// One simulated conference participant, doing what lib-jitsi-meet does (protocols.md §1, §2, §12):
// conference request to the focus → MUC join with caps once `ready` → answer the focus's disco#info
// → ack the session-initiate at once → session-accept with its camera's sources. It records when
// each step happened and keeps its view of the other participants' sources from the offer and
// later source-add / source-remove.
import type { El, EndpointSources, Jingle } from '@plenum/xmpp/codec';
import { NS_JINGLE, child, decodeConferenceResponse, decodeJingle, decodeStanzaError, errorReply, iqResult, serialize } from '@plenum/xmpp/codec';
import { checkOffer, conferenceRequest, discoInfo, isDiscoInfoGet, joinPresence, leavePresence, sessionAccept, sourcesByOwner } from './jitsi-client.ts';
import type { Addresses, ParticipantRecord } from './protocol.ts';
import { XmppClient } from './xmpp-client.ts';

const NS_FOCUS = 'http://jitsi.org/protocol/focus';
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

/** What a participant tells its worker. */
export type ParticipantListener = {
  /** The first session-initiate arrived (or the participant failed before it could). */
  onSettledOffer(p: Participant): void;
  /** The session-accept was answered (or the participant failed before it could). */
  onSettledAccept(p: Participant): void;
  /** Its view of the others' sources changed. */
  onSourcesChanged(p: Participant): void;
  /** A query other than the offer arrived: a Jingle action or `disco#info` (counted per kind). */
  onReceived(kind: string): void;
};

/** Shared per run: the clock and what offers must point at. */
export type ParticipantContext = {
  readonly addresses: Addresses;
  readonly bridgeIds: readonly string[];
  readonly nowMs: () => number;
  readonly listener: ParticipantListener;
  /** Decode limit: every source of a conference fits. */
  readonly maxSources: number;
};

/** A logged-in guest that will join one conference. */
export class Participant {
  readonly nick: string;
  readonly occupantJid: string;
  readonly focusOccupant: string;
  /** SSRCs by owner as this participant was told (the offer plus later source signaling). */
  readonly view = new Map<string, Set<number>>();
  #requestSentMs: number | undefined;
  #readyMs: number | undefined;
  #joinSentMs: number | undefined;
  #initiateMs: number | undefined;
  #acceptSentMs: number | undefined;
  #acceptedMs: number | undefined;
  #initiates = 0;
  #target: { bridgeId: string; meetingId: string } | undefined;
  #error: string | undefined;
  #isOfferSettled = false;
  #isAcceptSettled = false;
  #isLeaving = false;

  private constructor(
    private readonly ctx: ParticipantContext,
    private readonly client: XmppClient,
    readonly room: string,
    nick: string,
    readonly sources: EndpointSources,
  ) {
    this.nick = nick;
    this.occupantJid = `${room}/${nick}`;
    this.focusOccupant = `${room}/focus`;
    client.setHandlers({ onStanza: (e) => this.#onStanza(e), onLost: (reason) => this.#fail(`connection lost: ${reason}`) });
  }

  /**
   * Logs in; the nickname is the first 8 hex characters of the bound node, as lib-jitsi-meet does
   * with our UUID guest nodes (protocols.md §12), unless `isTaken` says it is in use in the room.
   */
  static async login(ctx: ParticipantContext, room: string, timeoutMs: number, isTaken: (nick: string) => boolean,
    sourcesFor: (nick: string) => EndpointSources): Promise<Participant> {
    const { host, port, domain } = ctx.addresses;
    const client = new XmppClient(host, port, domain);
    const jid = await client.login(timeoutMs);
    let nick = /^[0-9a-f]{8}/.exec(jid)?.[0];
    while (nick === undefined || isTaken(nick)) nick = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
    return new Participant(ctx, client, room, nick, sourcesFor(nick));
  }

  /** Sends the conference request, and the MUC join as soon as the focus says ready. */
  start(): void {
    this.#requestSentMs = this.ctx.nowMs();
    void this.client.request(conferenceRequest(this.ctx.addresses.focusDomain, this.room, this.nick)).then((reply) => this.#onReady(reply));
  }

  get isOfferSettled(): boolean {
    return this.#isOfferSettled;
  }

  get isAcceptSettled(): boolean {
    return this.#isAcceptSettled;
  }

  get hasAccepted(): boolean {
    return this.#acceptedMs !== undefined && this.#error === undefined;
  }

  get error(): string | undefined {
    return this.#error;
  }

  record(): ParticipantRecord {
    return {
      room: this.room, nick: this.nick,
      requestSentMs: this.#requestSentMs, readyMs: this.#readyMs, joinSentMs: this.#joinSentMs,
      initiateMs: this.#initiateMs, acceptSentMs: this.#acceptSentMs, acceptedMs: this.#acceptedMs,
      initiates: this.#initiates, bridgeId: this.#target?.bridgeId, meetingId: this.#target?.meetingId, error: this.#error,
    };
  }

  /** Leaves the room (no session-terminate, like lib-jitsi-meet) and ends the stream. */
  async leave(): Promise<void> {
    this.#isLeaving = true;
    if (this.#joinSentMs !== undefined) this.client.send(leavePresence(this.occupantJid));
    await this.client.close();
  }

  #onReady(reply: El): void {
    this.#readyMs = this.ctx.nowMs();
    if (reply.attrs.type !== 'result') return this.#fail(`conference request refused: ${describeError(reply)}`);
    const payload = child(reply, 'conference', NS_FOCUS);
    const decoded = payload === undefined ? undefined : decodeConferenceResponse(payload);
    if (decoded === undefined || !decoded.ok) return this.#fail(`unreadable conference response: ${serialize(reply).slice(0, 300)}`);
    if (!decoded.value.ready) return this.#fail('conference response with ready="false"');
    this.#joinSentMs = this.ctx.nowMs();
    this.client.send(joinPresence(this.occupantJid, `bench-${this.nick}`));
  }

  #onStanza(e: El): void {
    if (e.name === 'iq') return this.#onIq(e);
    if (e.name === 'presence' && e.attrs.from === this.occupantJid && e.attrs.type === 'error') {
      return this.#fail(`MUC join refused: ${describeError(e)}`);
    }
    if (e.name === 'presence' && e.attrs.from === this.occupantJid && e.attrs.type === 'unavailable' && child(e, 'x', NS_MUC_USER) !== undefined) {
      return this.#fail('removed from the room');
    }
  }

  #onIq(iq: El): void {
    const type = iq.attrs.type;
    if (type !== 'get' && type !== 'set') return;
    if (isDiscoInfoGet(iq)) {
      this.ctx.listener.onReceived('disco#info');
      return this.client.send(iqResult(iq, discoInfo()));
    }
    const jingleEl = child(iq, 'jingle', NS_JINGLE);
    if (type === 'set' && jingleEl !== undefined) {
      // protocols.md §2.2: the client acks at once, before applying the offer.
      this.client.send(iqResult(iq));
      return this.#onJingle(iq, jingleEl);
    }
    if (type === 'set') return this.client.send(iqResult(iq));
    this.client.send(errorReply(iq, { type: 'cancel', condition: 'service-unavailable' }));
  }

  #onJingle(iq: El, jingleEl: El): void {
    const now = this.ctx.nowMs();
    const decoded = decodeJingle(jingleEl, { maxSources: this.ctx.maxSources });
    if (!decoded.ok) return this.#fail(`unreadable Jingle from the focus: ${decoded.error.text}`);
    const j = decoded.value;
    if (iq.attrs.from !== this.focusOccupant) return this.#fail(`Jingle ${j.action} from ${iq.attrs.from ?? '?'}, not from the focus occupant`);
    switch (j.action) {
      case 'session-initiate': return this.#onInitiate(j, now);
      case 'source-add':
        this.ctx.listener.onReceived(j.action);
        this.#addToView(j);
        return this.ctx.listener.onSourcesChanged(this);
      case 'source-remove':
        this.ctx.listener.onReceived(j.action);
        for (const [owner, ssrcs] of sourcesByOwner(j)) for (const s of ssrcs) this.view.get(owner)?.delete(s);
        return this.ctx.listener.onSourcesChanged(this);
      default:
        this.ctx.listener.onReceived(j.action);
        if (j.action === 'session-terminate') this.#fail(`session-terminate from the focus (${j.reason?.condition ?? 'no reason'} ${j.reason?.text ?? ''})`);
    }
  }

  #onInitiate(j: Jingle, now: number): void {
    this.#initiates++;
    if (this.#initiates > 1) return this.#fail(`session-initiate number ${this.#initiates}`);
    this.#initiateMs = now;
    const target = checkOffer(j, this.nick, this.ctx.bridgeIds);
    if (typeof target === 'string') {
      this.#fail(`bad offer: ${target}`);
      return;
    }
    this.#target = target;
    this.#isOfferSettled = true;
    this.ctx.listener.onSettledOffer(this);
    this.#addToView(j);
    this.#acceptSentMs = this.ctx.nowMs();
    void this.client.request(sessionAccept(j, this.client.jid, this.sources, this.focusOccupant)).then((reply) => {
      if (reply.attrs.type !== 'result') return this.#fail(`session-accept refused: ${describeError(reply)}`);
      this.#acceptedMs = this.ctx.nowMs();
      this.#isAcceptSettled = true;
      this.ctx.listener.onSettledAccept(this);
      this.ctx.listener.onSourcesChanged(this);
    });
  }

  #addToView(j: Jingle): void {
    for (const [owner, ssrcs] of sourcesByOwner(j)) {
      let set = this.view.get(owner);
      if (set === undefined) this.view.set(owner, (set = new Set()));
      for (const s of ssrcs) set.add(s);
    }
  }

  #fail(reason: string): void {
    // Our own unavailable presence echoes back and the stream closes: leaving is not a failure.
    if (this.#isLeaving) return;
    this.#error ??= reason;
    if (!this.#isOfferSettled) {
      this.#isOfferSettled = true;
      this.ctx.listener.onSettledOffer(this);
    }
    if (!this.#isAcceptSettled) {
      this.#isAcceptSettled = true;
      this.ctx.listener.onSettledAccept(this);
    }
  }
}

function describeError(stanza: El): string {
  const e = decodeStanzaError(stanza);
  return e === undefined ? serialize(stanza).slice(0, 300) : `${e.type}/${e.condition}${e.text !== undefined ? ` (${e.text})` : ''}`;
}
