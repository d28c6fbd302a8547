// The conferences this focus runs, and the conference request that starts or joins one
// (protocols.md §1.1, §8.1, §8.2): room validation, token verification, the secure-domain rule,
// limits, then `ready="true"` once the room is set up.
import type { Clock, Logger } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { bareJid, decodeConferenceRequest, encodeConferenceResponse, formatJid, parseJid } from '@plenum/xmpp/codec';
import type { TokenVerifier, VerifiedToken } from '../ports.ts';
import { FocusError } from '../errors.ts';
import { Conference } from './conference.ts';
import type { ConferenceDeps } from './conference.ts';
import { classifyIdentity, isAuthenticated, tokenAllowsRoom } from './identity.ts';
import { startMutedPolicyFrom } from './start-muted.ts';
import type { ConferenceState } from './conference-state.ts';
import type { StoredConference } from '../state/state-store.ts';

/** Settings of the manager (plain values). */
export type ManagerSettings = {
  readonly mucDomain: string;
  /** The focus's bare JID clients see as `focusjid` (protocols.md §12: occupant real JID starts with it + "/"). */
  readonly focusDomain: string;
  readonly maxConferences: number;
  readonly requireAuthenticationToStart: boolean;
};

/** Conferences by room JID. */
export class ConferenceManager {
  readonly #conferences = new Map<string, Conference>();
  readonly #log: Logger;
  readonly #clock: Clock;

  constructor(private readonly deps: ConferenceDeps & {
    readonly tokenVerifier: TokenVerifier | undefined;
    readonly manager: ManagerSettings;
    /** Shared state (src/state/): undefined runs everything in memory, as one focus. */
    readonly state?: ConferenceState | undefined;
    /** Told of every conference created or taken over (dial-in PINs, dial/pin-directory.ts). */
    readonly onConferenceCreated?: (conf: Conference) => void;
    /** Whether a SIP gateway can take dial-outs now (the response's sipGatewayEnabled). */
    readonly sipGatewayEnabled?: () => boolean;
  }) {
    this.#log = deps.log;
    this.#clock = deps.clock;
  }

  get size(): number {
    return this.#conferences.size;
  }

  get(roomJid: string): Conference | undefined {
    return this.#conferences.get(roomJid);
  }

  all(): Conference[] {
    return [...this.#conferences.values()];
  }

  /** `<conference xmlns="http://jitsi.org/protocol/focus">` from a client's real JID. */
  async handleConferenceRequest(iq: El, payload: El): Promise<El> {
    const decoded = decodeConferenceRequest(payload);
    if (!decoded.ok) throw decoded.error.code === 'focus/bad-room' ? FocusError.badRoom(decoded.error.text) : FocusError.badRequest(decoded.error.text);
    const req = decoded.value;
    const room = parseJid(req.room);
    if (!room.ok || room.value.domain !== this.deps.manager.mucDomain) throw FocusError.badRoom(`rooms live on ${this.deps.manager.mucDomain}`);
    const from = parseJid(iq.attrs.from ?? '');
    if (!from.ok) throw FocusError.badRequest('the request has no sender');
    const requester = formatJid(from.value);
    const token = this.#tokenOf(requester, req.token, room.value.local);
    const identity = classifyIdentity(from.value, token, this.deps.settings.identityDomains);
    const roomJid = bareJid(room.value);
    let conf = this.#conferences.get(roomJid);
    if (conf === undefined || conf.isEnded) {
      // protocols.md §8.2: only authenticated users start conferences; guests are told so and retry.
      if (this.deps.manager.requireAuthenticationToStart && !isAuthenticated(identity)) throw FocusError.notAuthorized();
      if (this.#conferences.size >= this.deps.manager.maxConferences) throw FocusError.conferenceLimit(this.deps.manager.maxConferences);
      // Another live focus instance runs it (its lease is held): the client asks again shortly.
      if (this.deps.state !== undefined && !(await this.deps.state.claim(roomJid))) throw FocusError.timeout('waiting for the focus instance that runs this conference');
      // A conference another instance ran (or this one before a restart) continues from its state.
      const stored = await this.deps.state?.load(roomJid).catch(() => undefined);
      const current = this.#conferences.get(roomJid);
      conf = current !== undefined && !current.isEnded ? current : this.#create(roomJid, req.properties, stored);
    }
    if (!conf.takeJoinToken()) throw FocusError.joinRate();
    const isPresent = conf.participants.all().some((p) => p.realJid === requester);
    if (!isPresent && conf.participants.size >= this.deps.settings.maxParticipants) throw FocusError.participantLimit(this.deps.settings.maxParticipants);
    await conf.ready();
    this.#log.debug('conference request answered', { conf: roomJid, identity: identity.kind });
    return encodeConferenceResponse({
      room: req.room,
      ready: true,
      focusJid: this.deps.manager.focusDomain,
      properties: {
        authentication: String(this.deps.manager.requireAuthenticationToStart),
        sipGatewayEnabled: String(this.deps.sipGatewayEnabled?.() === true),
        'visitors-supported': 'false',
      },
    });
  }

  /** A presence from a conference room: true when a conference took it. */
  routePresence(presence: El): boolean {
    const conf = this.#conferenceOf(presence.attrs.from);
    if (conf === undefined) return false;
    conf.handlePresence(presence);
    return true;
  }

  /** The conference an occupant JID (room/nick) belongs to, with the nick. */
  occupant(from: string | undefined): { readonly conf: Conference; readonly nick: string } | undefined {
    const slash = from?.indexOf('/') ?? -1;
    if (from === undefined || slash <= 0) return undefined;
    const conf = this.#conferences.get(from.slice(0, slash));
    return conf === undefined ? undefined : { conf, nick: from.slice(slash + 1) };
  }

  onBridgeUp(): void {
    for (const c of this.#conferences.values()) c.onBridgeUp();
  }

  onBridgeDown(id: string, reason: string): void {
    for (const c of this.#conferences.values()) c.onBridgeDown(id, reason);
  }

  onBridgeLeaving(id: string, reason: string): void {
    for (const c of this.#conferences.values()) c.onBridgeLeaving(id, reason);
  }

  /**
   * Ends every conference. With shared state they are detached instead (media keeps flowing, the
   * state stays) so that the instance taking over, or this one restarted, continues them.
   */
  async closeAll(reason: string): Promise<void> {
    if (this.deps.state !== undefined) {
      for (const c of this.#conferences.values()) c.detach(reason);
      return;
    }
    await Promise.all([...this.#conferences.values()].map((c) => c.close(reason)));
  }

  /**
   * Takes over or resumes the stored conferences whose lease is free (their focus died) or ours
   * (this instance restarted): rejoins each room and continues its sessions (conference.ts).
   */
  async resumeStored(): Promise<{ readonly resumed: number; readonly held: number }> {
    const state = this.deps.state;
    if (state === undefined) return { resumed: 0, held: 0 };
    let resumed = 0;
    let held = 0;
    for (const roomJid of await state.stored()) {
      const existing = this.#conferences.get(roomJid);
      if (existing !== undefined && !existing.isEnded) continue;
      try {
        if (!(await state.claim(roomJid))) {
          held++;
          continue;
        }
        const stored = await state.load(roomJid);
        if (stored === undefined || this.#conferences.get(roomJid)?.isEnded === false) continue;
        this.#resume(stored);
        resumed++;
      } catch (error) {
        this.#log.warn('stored conference not resumed', { conf: roomJid, err: (error as Error).message });
      }
    }
    return { resumed, held };
  }

  #conferenceOf(from: string | undefined): Conference | undefined {
    if (from === undefined) return undefined;
    const slash = from.indexOf('/');
    return this.#conferences.get(slash === -1 ? from : from.slice(0, slash));
  }

  /** Verifies and binds a presented token; otherwise the one bound to this full JID earlier. */
  #tokenOf(requester: string, token: string | undefined, roomNode: string): VerifiedToken | undefined {
    const verifier = this.deps.tokenVerifier;
    if (token === undefined || token === '' || verifier === undefined) return this.deps.tokens.get(requester, this.#clock.now());
    const verified = verifier.verify(token);
    if (!verified.ok) throw FocusError.badToken(verified.error.text);
    if (!tokenAllowsRoom(verified.value, roomNode)) throw FocusError.badToken('the token does not allow this room');
    this.deps.tokens.bind(requester, verified.value);
    return verified.value;
  }

  #resume(stored: StoredConference): void {
    const conf = this.#create(stored.conference.roomJid, {}, stored);
    this.#log.info('conference taken over', { conf: conf.roomJid, participants: stored.participants.length });
    conf.ready().catch((error: unknown) => this.#log.warn('taken-over conference did not start', { conf: conf.roomJid, err: (error as Error).message }));
  }

  #create(roomJid: string, properties: Readonly<Record<string, string>>, resumeFrom?: StoredConference): Conference {
    const conf = new Conference(this.deps, roomJid, startMutedPolicyFrom(properties), resumeFrom);
    this.deps.state?.track(conf);
    this.#conferences.set(roomJid, conf);
    conf.events.on('ended', () => {
      if (this.#conferences.get(roomJid) === conf) this.#conferences.delete(roomJid);
    });
    this.deps.onConferenceCreated?.(conf);
    this.#log.info('conference created', { conf: roomJid, conferences: this.#conferences.size });
    return conf;
  }
}
