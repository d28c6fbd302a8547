// One conference on one bridge (Jicofo's Colibri2Session): requests go out one at a time in order,
// the first one creates the conference, the bridge's feedback sources come with the creation
// (protocols.md §3). Expiring an endpoint queued after its allocation can never overtake it.
import type { Logger } from '@plenum/kit';
import type { Colibri2Endpoint, ConferenceModified, EndpointSources, IceUdpTransport } from '@plenum/xmpp/codec';
import type { BridgeAddress, BridgeControl } from '../ports.ts';
import { FocusError } from '../errors.ts';
import { EMPTY_SOURCES } from '../jingle/source-map.ts';
import { conferenceModify, endpointExpire, fromColibriSources } from './colibri-requests.ts';

/** What the bridge gave an endpoint. */
export type EndpointAllocation = {
  readonly transport: IceUdpTransport;
  /** The bridge opened an SCTP association for the data channel. */
  readonly hasSctp: boolean;
};

/** The bridge side of one conference. */
export class BridgeSession {
  #queue: Promise<unknown> = Promise.resolve();
  #isCreated = false;
  #isExpired = false;
  #feedbackSources: EndpointSources = EMPTY_SOURCES;
  readonly #endpoints = new Set<string>();

  constructor(
    private readonly deps: { readonly control: BridgeControl; readonly log: Logger; readonly requestTimeoutMs: number },
    readonly bridge: BridgeAddress,
    readonly meetingId: string,
    readonly roomJid: string,
  ) {}

  /** The bridge's own sources (owner `jvb`), known once the conference exists on the bridge. */
  get feedbackSources(): EndpointSources {
    return this.#feedbackSources;
  }

  /** Endpoints allocated and not expired. */
  get endpointCount(): number {
    return this.#endpoints.size;
  }

  get isExpired(): boolean {
    return this.#isExpired;
  }

  /** Creates an endpoint; resolves with the bridge's transport for it. */
  allocate(endpoint: Colibri2Endpoint): Promise<EndpointAllocation> {
    return this.#enqueue(async () => {
      const modified = await this.#send([endpoint]);
      const answer = modified.endpoints.find((e) => e.id === endpoint.id);
      const transport = answer?.transport?.iceUdp;
      if (transport === undefined) {
        throw FocusError.bridgeFailed(`bridge ${this.bridge.id} gave endpoint no transport`, { kind: 'error', condition: 'bad-request' });
      }
      this.#endpoints.add(endpoint.id);
      return { transport, hasSctp: answer?.transport?.sctp !== undefined || transport.sctp !== undefined };
    });
  }

  /** Changes an existing endpoint (its answer, sources, force-mute). */
  update(endpoint: Colibri2Endpoint): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#endpoints.has(endpoint.id)) return;
      await this.#send([endpoint]);
    });
  }

  /** Expires one endpoint; nothing is sent for an endpoint that was never allocated. Resolves true when one was expired. */
  expireEndpoint(endpointId: string): Promise<boolean> {
    return this.#enqueue(async () => {
      if (!this.#endpoints.delete(endpointId)) return false;
      await this.#send([endpointExpire(endpointId)]);
      return true;
    });
  }

  /** Expires the whole conference on the bridge (protocols.md §3 `expire="true"`); idempotent. */
  expire(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#isExpired) return;
      this.#isExpired = true;
      this.#endpoints.clear();
      if (!this.#isCreated) return;
      await this.deps.control.modify(this.bridge, conferenceModify(this.meetingId, this.roomJid, { expire: true }, []),
        { timeoutMs: this.deps.requestTimeoutMs });
    });
  }

  async #send(endpoints: readonly Colibri2Endpoint[]): Promise<ConferenceModified> {
    if (this.#isExpired) throw FocusError.bridgeFailed('the conference was expired on the bridge', { kind: 'error', condition: 'gone' });
    const create = !this.#isCreated;
    const modified = await this.deps.control.modify(this.bridge,
      conferenceModify(this.meetingId, this.roomJid, { create }, endpoints), { timeoutMs: this.deps.requestTimeoutMs });
    if (create) {
      this.#isCreated = true;
      if (modified.sources !== undefined) this.#feedbackSources = fromColibriSources(modified.sources);
    }
    return modified;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    // The queue itself never rejects: a failed request must not block the ones after it.
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
