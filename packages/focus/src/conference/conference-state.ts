// Mirrors the conferences this focus runs into the state store (src/state/) and holds their
// leases, so that another focus instance — or this one after a restart — can continue them.
//
// Writes never block the conference: they go out in the background, and a failure (Redis gone)
// is logged once; when the store says it is back (`restored`) everything is written again. The
// lease is renewed every third of its length; a conference whose lease another instance took is
// logged and detached (that instance runs it now).
import type { Cancel, Clock, Logger } from '@plenum/kit';
import type { FocusStateStore, ParticipantRecord } from '../state/state-store.ts';
import type { Conference } from './conference.ts';
import type { Participant } from './participant-registry.ts';

/** How the mirror works. */
export type ConferenceStateSettings = {
  /** This focus instance, the owner written into leases. */
  readonly instanceId: string;
  readonly leaseMs: number;
};

/** The state of the running conferences, in the store. */
export class ConferenceState {
  readonly #conferences = new Set<Conference>();
  readonly #cancelRenew: Cancel;
  #isFailing = false;

  constructor(private readonly deps: {
    readonly store: FocusStateStore; readonly log: Logger; readonly clock: Clock; readonly settings: ConferenceStateSettings;
  }) {
    this.#cancelRenew = deps.clock.setInterval(() => this.#renewAll(), Math.max(200, Math.floor(deps.settings.leaseMs / 3)));
    deps.store.events.on('restored', () => this.#writeAll());
  }

  get instanceId(): string {
    return this.deps.settings.instanceId;
  }

  /** Claims a conference's lease: false when another live instance holds it (or the store failed). */
  async claim(roomJid: string): Promise<boolean> {
    try {
      return await this.deps.store.claim(roomJid, this.instanceId, this.deps.settings.leaseMs);
    } catch (error) {
      this.#failed('claim', error);
      // Without the store this focus is on its own: it runs what it is asked to.
      return true;
    }
  }

  /** Follows a conference from now on until it ends. */
  track(conf: Conference): void {
    this.#conferences.add(conf);
    conf.events.on('running', () => this.#writeConference(conf));
    conf.events.on('participantChanged', (p) => this.#writeParticipant(conf, p));
    conf.events.on('participantLeft', (id) => this.#run('remove participant', () => this.deps.store.removeParticipant(conf.roomJid, id)));
    conf.events.on('ended', (_reason, isDetached) => {
      this.#conferences.delete(conf);
      if (!isDetached) this.#run('remove conference', () => this.deps.store.removeConference(conf.roomJid, this.instanceId));
    });
  }

  /** Room JIDs the store knows: conferences to take over or resume. */
  async stored(): Promise<string[]> {
    try {
      return await this.deps.store.conferences();
    } catch (error) {
      this.#failed('list conferences', error);
      return [];
    }
  }

  load(roomJid: string): ReturnType<FocusStateStore['load']> {
    return this.deps.store.load(roomJid);
  }

  close(): void {
    this.#cancelRenew();
  }

  #writeConference(conf: Conference): void {
    const session = conf.bridge.session;
    const meetingId = conf.meetingId;
    if (meetingId === undefined || conf.isEnded) return;
    this.#run('write conference', () => this.deps.store.putConference({
      roomJid: conf.roomJid, meetingId,
      bridge: session === undefined ? undefined : { id: session.bridge.id, jid: session.bridge.jid },
      feedbackSources: session?.feedbackSources ?? { audio: [], video: [], audioGroups: [], videoGroups: [] },
    }));
  }

  #writeParticipant(conf: Conference, p: Participant): void {
    if (conf.isEnded) return;
    const record = participantRecord(conf, p);
    if (record === undefined) {
      this.#run('remove participant', () => this.deps.store.removeParticipant(conf.roomJid, p.endpointId));
      return;
    }
    // The conference record follows its bridge (a move changes it).
    this.#writeConference(conf);
    this.#run('write participant', () => this.deps.store.putParticipant(conf.roomJid, record));
  }

  #renewAll(): void {
    for (const conf of this.#conferences) {
      if (!conf.isRunning) continue;
      this.deps.store.renew(conf.roomJid, this.instanceId, this.deps.settings.leaseMs).then(async (isHeld) => {
        if (isHeld) return;
        // Expired while the store was away, or never written: take it again if nobody else did.
        if (await this.deps.store.claim(conf.roomJid, this.instanceId, this.deps.settings.leaseMs)) return;
        this.deps.log.warn('conference lease taken by another focus: letting go', { conf: conf.roomJid });
        conf.detach('lease lost');
      }).then(() => this.#ok(), (error: unknown) => this.#failed('renew lease', error));
    }
  }

  /** Writes everything again (the store came back after a loss). */
  #writeAll(): void {
    for (const conf of this.#conferences) {
      if (!conf.isRunning) continue;
      this.#run('claim', () => this.deps.store.claim(conf.roomJid, this.instanceId, this.deps.settings.leaseMs));
      this.#writeConference(conf);
      for (const p of conf.participants.all()) this.#writeParticipant(conf, p);
    }
    this.deps.log.info('focus state written back', { conferences: this.#conferences.size });
  }

  #run(what: string, write: () => Promise<unknown>): void {
    write().then(() => this.#ok(), (error: unknown) => this.#failed(what, error));
  }

  #ok(): void {
    this.#isFailing = false;
  }

  #failed(what: string, error: unknown): void {
    if (this.#isFailing) return;
    this.#isFailing = true;
    this.deps.log.warn('focus state store failing: going on from memory', { what, err: (error as Error).message });
  }
}

/** What another instance needs of a participant's session; undefined when it has none to continue. */
function participantRecord(conf: Conference, p: Participant): ParticipantRecord | undefined {
  const { phase, sid, bridgeSessionId } = p.session;
  const endpoint = conf.endpointOf(p.endpointId);
  if ((phase !== 'offered' && phase !== 'active') || sid === undefined || bridgeSessionId === undefined || endpoint === undefined) return undefined;
  return {
    endpointId: p.endpointId, realJid: p.realJid, phase, sid, bridgeSessionId, bridgeId: endpoint.bridgeId,
    transport: endpoint.allocation.transport, hasSctp: endpoint.allocation.hasSctp, sources: p.sources,
  };
}
