import type { El } from '../../codec/index.ts';
import type { AuthIdentity } from '../auth/types.ts';

/** Anything the router can hand a stanza to: a client session or a component stream. */
export interface StanzaTarget {
  deliver(stanza: El): void;
}

/** A bound client resource as the registry sees it. */
export interface RegisteredSession extends StanzaTarget {
  readonly fullJid: string;
  readonly bareJid: string;
  /** Who logged in: anonymous guest, local account or token holder (room claims). */
  readonly identity: AuthIdentity;
  /** Ends the session with a stream error (e.g. `conflict` when a new login takes the resource). */
  replaceBy(reason: 'conflict'): void;
}

/** Who is online: bound client resources by bare JID and connected components by domain. */
export class SessionRegistry {
  readonly #byBare = new Map<string, Map<string, RegisteredSession>>();
  readonly #byFull = new Map<string, RegisteredSession>();
  readonly #components = new Map<string, StanzaTarget>();

  session(fullJid: string): RegisteredSession | undefined {
    return this.#byFull.get(fullJid);
  }

  /** Every bound resource of an account. */
  resources(bareJid: string): Iterable<RegisteredSession> {
    return this.#byBare.get(bareJid)?.values() ?? [];
  }

  resourceCount(bareJid: string): number {
    return this.#byBare.get(bareJid)?.size ?? 0;
  }

  add(s: RegisteredSession): void {
    let m = this.#byBare.get(s.bareJid);
    if (m === undefined) {
      m = new Map();
      this.#byBare.set(s.bareJid, m);
    }
    m.set(s.fullJid, s);
    this.#byFull.set(s.fullJid, s);
  }

  remove(s: RegisteredSession): void {
    if (this.#byFull.get(s.fullJid) !== s) return;
    this.#byFull.delete(s.fullJid);
    const m = this.#byBare.get(s.bareJid);
    m?.delete(s.fullJid);
    if (m?.size === 0) this.#byBare.delete(s.bareJid);
  }

  component(domain: string): StanzaTarget | undefined {
    return this.#components.get(domain);
  }

  /** Registers a component; false when the domain is already connected. */
  addComponent(domain: string, target: StanzaTarget): boolean {
    if (this.#components.has(domain)) return false;
    this.#components.set(domain, target);
    return true;
  }

  removeComponent(domain: string, target: StanzaTarget): void {
    if (this.#components.get(domain) === target) this.#components.delete(domain);
  }

  componentDomains(): string[] {
    return [...this.#components.keys()];
  }

  get sessionCount(): number {
    return this.#byFull.size;
  }

  allSessions(): RegisteredSession[] {
    return [...this.#byFull.values()];
  }
}
