// The in-process state store: the one-command default. Nothing is shared, so leases only matter
// within this process; expiry is checked against the clock on read.
import type { Clock, Logger } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { ConferenceRecord, FocusStateStore, ParticipantRecord, StateStoreEvents, StoredConference } from './state-store.ts';

type Entry = { conference: ConferenceRecord | undefined; readonly participants: Map<string, ParticipantRecord> };

/** State in a Map. */
export class MemoryStateStore implements FocusStateStore {
  readonly events: TypedEmitter<StateStoreEvents>;
  readonly #leases = new Map<string, { readonly owner: string; readonly untilMs: number }>();
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly deps: { readonly clock: Clock; readonly log: Logger }) {
    this.events = new TypedEmitter<StateStoreEvents>(deps.log);
  }

  async claim(roomJid: string, owner: string, leaseMs: number): Promise<boolean> {
    const holder = await this.ownerOf(roomJid);
    if (holder !== undefined && holder !== owner) return false;
    this.#leases.set(roomJid, { owner, untilMs: this.deps.clock.now() + leaseMs });
    return true;
  }

  async renew(roomJid: string, owner: string, leaseMs: number): Promise<boolean> {
    if (await this.ownerOf(roomJid) !== owner) return false;
    this.#leases.set(roomJid, { owner, untilMs: this.deps.clock.now() + leaseMs });
    return true;
  }

  async ownerOf(roomJid: string): Promise<string | undefined> {
    const lease = this.#leases.get(roomJid);
    if (lease === undefined) return undefined;
    if (lease.untilMs <= this.deps.clock.now()) {
      this.#leases.delete(roomJid);
      return undefined;
    }
    return lease.owner;
  }

  async putConference(record: ConferenceRecord): Promise<void> {
    this.#entry(record.roomJid).conference = record;
  }

  async putParticipant(roomJid: string, record: ParticipantRecord): Promise<void> {
    this.#entry(roomJid).participants.set(record.endpointId, record);
  }

  async removeParticipant(roomJid: string, endpointId: string): Promise<void> {
    this.#entries.get(roomJid)?.participants.delete(endpointId);
  }

  async removeConference(roomJid: string, owner: string): Promise<void> {
    this.#entries.delete(roomJid);
    if (this.#leases.get(roomJid)?.owner === owner) this.#leases.delete(roomJid);
  }

  async conferences(): Promise<string[]> {
    return [...this.#entries].filter(([, e]) => e.conference !== undefined).map(([room]) => room);
  }

  async load(roomJid: string): Promise<StoredConference | undefined> {
    const e = this.#entries.get(roomJid);
    if (e?.conference === undefined) return undefined;
    return { conference: e.conference, participants: [...e.participants.values()] };
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#leases.clear();
  }

  #entry(roomJid: string): Entry {
    let e = this.#entries.get(roomJid);
    if (e === undefined) {
      e = { conference: undefined, participants: new Map() };
      this.#entries.set(roomJid, e);
    }
    return e;
  }
}
