// The focus state other focus instances can read (issue 6): who owns a conference (a lease), and
// what a conference and its participants were given — enough for another instance, or this one
// after a restart, to continue the conference without re-inviting anyone whose media flows.
// Two implementations: memory-state-store.ts (one process, the default) and redis-state-store.ts.
import type { TypedEmitter } from '@plenum/kit';
import type { EndpointSources, IceUdpTransport } from '@plenum/xmpp/codec';

/** A conference as the bridge knows it. */
export type ConferenceRecord = {
  readonly roomJid: string;
  readonly meetingId: string;
  /** The bridge (brewery id and component JID) the conference is on; undefined while it waits for one. */
  readonly bridge: { readonly id: string; readonly jid: string } | undefined;
  /** The bridge's own feedback sources (owner `jvb`), given when the conference was created there. */
  readonly feedbackSources: EndpointSources;
};

/** One participant's Jingle session and its endpoint on the bridge. */
export type ParticipantRecord = {
  readonly endpointId: string;
  readonly realJid: string;
  readonly phase: 'offered' | 'active';
  readonly sid: string;
  readonly bridgeSessionId: string;
  readonly bridgeId: string;
  /** ICE/DTLS (and the bridge channel URL) the bridge gave the endpoint. */
  readonly transport: IceUdpTransport;
  readonly hasSctp: boolean;
  readonly sources: EndpointSources;
};

/** What a store holds for one conference. */
export type StoredConference = { readonly conference: ConferenceRecord; readonly participants: readonly ParticipantRecord[] };

/** Events of a store. */
export type StateStoreEvents = {
  /** The backing service came back after a loss: what the focus holds must be written again. */
  restored: [];
};

/**
 * The state store port. Writes may fail (Redis gone): callers log and go on from memory; the
 * `restored` event tells them to write everything back.
 */
export interface FocusStateStore {
  readonly events: TypedEmitter<StateStoreEvents>;
  /** Takes the conference's lease when free or already `owner`'s (a restart); true when `owner` holds it now. */
  claim(roomJid: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends `owner`'s lease; false when the lease was lost (expired and taken, or gone). */
  renew(roomJid: string, owner: string, leaseMs: number): Promise<boolean>;
  /** The instance holding the conference's lease, if any. */
  ownerOf(roomJid: string): Promise<string | undefined>;
  putConference(record: ConferenceRecord): Promise<void>;
  putParticipant(roomJid: string, record: ParticipantRecord): Promise<void>;
  removeParticipant(roomJid: string, endpointId: string): Promise<void>;
  /** Forgets the conference and, when `owner` holds it, its lease. */
  removeConference(roomJid: string, owner: string): Promise<void>;
  /** Room JIDs of every stored conference. */
  conferences(): Promise<string[]>;
  load(roomJid: string): Promise<StoredConference | undefined>;
  close(): Promise<void>;
}
