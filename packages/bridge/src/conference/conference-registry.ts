// The bridge's conferences and endpoints as plain state (what JVB's Conference/Endpoint hold for
// signalling). No I/O: the control handler mutates it through applyConferenceModify.
import type { Colibri2Media, Colibri2MediaSource, IceUdpTransport } from '@plenum/xmpp/codec';

/** One endpoint (a participant's connection to this bridge). */
export type EndpointState = {
  readonly id: string;
  statsId: string | undefined;
  /** `muc-role="visitor"`: receives only, may not signal sources. */
  readonly isVisitor: boolean;
  readonly capabilities: readonly string[];
  /** The endpoint asked for an SCTP data channel (the bridge is the SCTP server on port 5000). */
  readonly hasSctp: boolean;
  readonly createdAtMs: number;
  /** What the bridge offered: ICE credentials, fingerprint, candidate, web-socket. */
  readonly localTransport: IceUdpTransport;
  /** The endpoint's answer, once the focus forwarded it. */
  remoteTransport: IceUdpTransport | undefined;
  media: readonly Colibri2Media[];
  sources: readonly Colibri2MediaSource[];
  forceMute: { readonly audio: boolean; readonly video: boolean };
  initialLastN: number | undefined;
};

/** One conference, keyed by the focus's meeting id. */
export type ConferenceState = {
  readonly meetingId: string;
  /** The room JID, when the focus sent it. */
  readonly name: string | undefined;
  readonly createdAtMs: number;
  /** The bridge's own sources (`jvb-a0`, `jvb-v0`) signalled to every endpoint for RTCP feedback. */
  readonly feedbackSources: readonly Colibri2MediaSource[];
  readonly endpoints: Map<string, EndpointState>;
};

/** All conferences of this bridge, with running totals for stats. */
export class ConferenceRegistry {
  readonly #conferences = new Map<string, ConferenceState>();
  #endpointCount = 0;
  #conferencesCreated = 0;
  #endpointsCreated = 0;

  get(meetingId: string): ConferenceState | undefined {
    return this.#conferences.get(meetingId);
  }

  values(): IterableIterator<ConferenceState> {
    return this.#conferences.values();
  }

  get conferenceCount(): number {
    return this.#conferences.size;
  }

  /** Endpoints over all conferences. */
  get endpointCount(): number {
    return this.#endpointCount;
  }

  get largestConference(): number {
    let max = 0;
    for (const c of this.#conferences.values()) max = Math.max(max, c.endpoints.size);
    return max;
  }

  get totals(): { readonly conferencesCreated: number; readonly endpointsCreated: number } {
    return { conferencesCreated: this.#conferencesCreated, endpointsCreated: this.#endpointsCreated };
  }

  addConference(c: ConferenceState): void {
    this.#conferences.set(c.meetingId, c);
    this.#conferencesCreated++;
    this.#endpointCount += c.endpoints.size;
  }

  removeConference(meetingId: string): ConferenceState | undefined {
    const c = this.#conferences.get(meetingId);
    if (c === undefined) return undefined;
    this.#conferences.delete(meetingId);
    this.#endpointCount -= c.endpoints.size;
    return c;
  }

  addEndpoint(c: ConferenceState, e: EndpointState): void {
    c.endpoints.set(e.id, e);
    this.#endpointCount++;
    this.#endpointsCreated++;
  }

  removeEndpoint(c: ConferenceState, endpointId: string): boolean {
    if (!c.endpoints.delete(endpointId)) return false;
    this.#endpointCount--;
    return true;
  }
}
