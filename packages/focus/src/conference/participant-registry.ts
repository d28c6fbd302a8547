// The participants of one conference and the SSRCs they own (protocols.md §2.2: no SSRC may be
// announced by two endpoints). Plain data plus the invariants: one owner per SSRC, join order.
import type { EndpointSources, MucAffiliation, MucRole } from '@plenum/xmpp/codec';
import type { ClientFeatures } from '../jingle/client-features.ts';
import type { Caps } from '../jingle/feature-cache.ts';
import type { SessionState } from '../jingle/session-machine.ts';
import { newSession } from '../jingle/session-machine.ts';
import type { ConferenceSources } from '../jingle/source-map.ts';
import { EMPTY_SOURCES, isEmptySources, ssrcsOfSources } from '../jingle/source-map.ts';
import type { Identity } from './identity.ts';

/** One MUC occupant the focus gives a Jingle session. */
export type Participant = {
  /** The MUC nickname (protocols.md §0: the endpoint id everywhere). */
  readonly endpointId: string;
  readonly occupantJid: string;
  readonly realJid: string;
  readonly joinOrder: number;
  readonly identity: Identity;
  /** A recorder or SIP gateway (trusted domain + features): never elected moderator. */
  readonly isService: boolean;
  /** Its presence asked for batched delivery (a latency-tolerant recorder or gateway): told to the bridge. */
  readonly wantsBatchedDelivery: boolean;
  affiliation: MucAffiliation;
  role: MucRole;
  region: string | undefined;
  statsId: string | undefined;
  /** XEP-0115 caps from the presence, the key of the features cache. */
  caps: Caps | undefined;
  features: ClientFeatures | undefined;
  session: SessionState;
  /** Sources the participant announced and the focus accepted. */
  sources: EndpointSources;
  /** An owner grant was sent and its presence has not come back yet. */
  isOwnerRequested: boolean;
  /** What the offer told it to start with (protocols.md §2.2 startmuted). */
  startMuted: { readonly audio: boolean; readonly video: boolean };
  /** Invites that failed since the last success (bounded retries). */
  failedInvites: number;
  /** What a moderator force-muted on the bridge (protocols.md §8.5). */
  forceMuted: { audio: boolean; video: boolean };
};

/** What a new participant starts with. */
export type NewParticipant = Pick<Participant, 'endpointId' | 'occupantJid' | 'realJid' | 'identity' | 'isService' | 'wantsBatchedDelivery' | 'affiliation' | 'role' | 'region' | 'statsId' | 'caps'>;

/** Participants by endpoint id, with an SSRC → owner index. */
export class ParticipantRegistry {
  readonly #byId = new Map<string, Participant>();
  readonly #ssrcOwner = new Map<number, string>();
  #nextJoinOrder = 1;

  get size(): number {
    return this.#byId.size;
  }

  add(p: NewParticipant, startMuted: { readonly audio: boolean; readonly video: boolean }): Participant {
    const participant: Participant = {
      ...p, joinOrder: this.#nextJoinOrder++, features: undefined, session: newSession(), sources: EMPTY_SOURCES,
      isOwnerRequested: false, startMuted, failedInvites: 0, forceMuted: { audio: false, video: false },
    };
    this.#byId.set(p.endpointId, participant);
    return participant;
  }

  get(endpointId: string): Participant | undefined {
    return this.#byId.get(endpointId);
  }

  /** Takes a participant out, releasing its SSRCs. */
  remove(endpointId: string): Participant | undefined {
    const p = this.#byId.get(endpointId);
    if (p === undefined) return undefined;
    this.#release(p);
    this.#byId.delete(endpointId);
    return p;
  }

  /** Every participant, in join order. */
  all(): Participant[] {
    return [...this.#byId.values()];
  }

  /** Who owns an SSRC. */
  ownerOfSsrc(ssrc: number): string | undefined {
    return this.#ssrcOwner.get(ssrc);
  }

  /**
   * Replaces a participant's sources when none of their SSRCs belongs to someone else; returns
   * the conflict's description otherwise (and changes nothing).
   */
  claimSources(endpointId: string, next: EndpointSources): string | undefined {
    const p = this.#byId.get(endpointId);
    if (p === undefined) return 'unknown participant';
    for (const ssrc of ssrcsOfSources(next)) {
      const owner = this.#ssrcOwner.get(ssrc);
      if (owner !== undefined && owner !== endpointId) return `SSRC ${ssrc} is already used by another participant`;
    }
    this.#release(p);
    p.sources = next;
    for (const ssrc of ssrcsOfSources(next)) this.#ssrcOwner.set(ssrc, endpointId);
    return undefined;
  }

  /** Drops a participant's sources (session ended or restarted). */
  clearSources(endpointId: string): void {
    const p = this.#byId.get(endpointId);
    if (p === undefined) return;
    this.#release(p);
    p.sources = EMPTY_SOURCES;
  }

  /** Every participant's non-empty sources, by endpoint id. */
  sources(): Map<string, EndpointSources> {
    const out = new Map<string, EndpointSources>();
    for (const p of this.#byId.values()) if (!isEmptySources(p.sources)) out.set(p.endpointId, p.sources);
    return out;
  }

  /** What `receiver` should know: everyone else's sources plus `extra` (the bridge's). */
  sourcesFor(receiver: string, extra: ConferenceSources): Map<string, EndpointSources> {
    const out = new Map(extra);
    for (const p of this.#byId.values()) if (p.endpointId !== receiver && !isEmptySources(p.sources)) out.set(p.endpointId, p.sources);
    return out;
  }

  #release(p: Participant): void {
    for (const ssrc of ssrcsOfSources(p.sources)) if (this.#ssrcOwner.get(ssrc) === p.endpointId) this.#ssrcOwner.delete(ssrc);
  }
}
