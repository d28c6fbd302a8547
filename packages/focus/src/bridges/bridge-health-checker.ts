// Active health checks of the brewery's bridges, as Jicofo does (protocols.md §4): every
// `intervalMs` each bridge gets `<healthcheck xmlns="http://jitsi.org/protocol/healthcheck"/>`
// (an IQ get; an empty result means healthy). Presence alone cannot tell a hung bridge (a frozen
// process, a host cut off the network without a reset) from a quiet one for `healthTimeoutMs`
// (45 s): its XMPP connection stays open. A check that times out is retried at once; when the retry
// fails too, or the bridge answers with an error (its own check failed), the registry takes it down
// and the conferences on it move. A later pass brings it back.
//
// A timeout that fired far later than asked means this process stalled (GC, a busy machine, the
// bridge in the same process in `npm start`): that says nothing about the bridge and is not counted.
// Nor is a timeout while no bridge at all answered since the check went out, when there are others
// to compare with: every bridge silent at once says the path to them is congested (a saturated XMPP
// server queues our IQs for seconds: bench:signaling against Prosody), and taking them all down
// would move every conference for nothing. One hung bridge among answering ones still goes down.
import type { Cancel, Clock, Logger } from '@plenum/kit';
import { PlenumError } from '@plenum/kit';
import { NS_HEALTHCHECK, el } from '@plenum/xmpp/codec';
import type { BridgeAddress, StanzaChannel } from '../ports.ts';
import type { BridgeRegistry } from './bridge-registry.ts';

export type BridgeHealthCheckOptions = {
  /** How often each bridge is checked; 0 turns active checks off (presence only). */
  readonly intervalMs: number;
  /** How long one check may take. */
  readonly timeoutMs: number;
  /** Checks repeated at once after a timeout before the bridge counts as down. */
  readonly retries: number;
};

/** Lateness of our own timeout beyond which the check is inconclusive (we stalled, not the bridge). */
const STALL_TOLERANCE_MS = 500;

type Outcome = 'passed' | 'failed' | 'timeout' | 'inconclusive';

export class BridgeHealthChecker {
  readonly #checking = new Set<string>();
  /** When a bridge last passed a check (any bridge): evidence that the path to the bridges works. */
  #lastPassAt = Number.NEGATIVE_INFINITY;
  #cancel: Cancel | undefined;

  constructor(private readonly deps: {
    readonly registry: BridgeRegistry;
    readonly channel: StanzaChannel;
    readonly clock: Clock;
    readonly log: Logger;
    readonly from: string;
    readonly options: BridgeHealthCheckOptions;
  }) {}

  start(): void {
    if (this.deps.options.intervalMs <= 0 || this.#cancel !== undefined) return;
    this.#cancel = this.deps.clock.setInterval(() => this.checkAll(), this.deps.options.intervalMs);
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** One round: every bridge not already being checked. */
  checkAll(): void {
    for (const bridge of this.deps.registry.addresses()) {
      if (this.#checking.has(bridge.id)) continue;
      this.#checking.add(bridge.id);
      void this.#check(bridge).finally(() => this.#checking.delete(bridge.id));
    }
  }

  async #check(bridge: BridgeAddress): Promise<void> {
    for (let attempt = 0; attempt <= this.deps.options.retries; attempt++) {
      const outcome = await this.#ask(bridge);
      if (outcome === 'inconclusive') return;
      if (outcome === 'passed' || outcome === 'failed') {
        this.#report(bridge, outcome === 'passed');
        return;
      }
    }
    this.#report(bridge, false);
  }

  #report(bridge: BridgeAddress, passed: boolean): void {
    if (!passed) this.deps.log.warn('bridge failed its health check', { bridge: bridge.id });
    this.deps.registry.healthChecked(bridge.id, passed, this.deps.clock.now());
  }

  async #ask(bridge: BridgeAddress): Promise<Outcome> {
    const { clock, options } = this.deps;
    const sentAt = clock.now();
    try {
      await this.deps.channel.request(el('iq', { type: 'get', to: bridge.jid, from: this.deps.from }, el('healthcheck', { xmlns: NS_HEALTHCHECK })), { timeoutMs: options.timeoutMs });
      this.#lastPassAt = Math.max(this.#lastPassAt, clock.now());
      return 'passed';
    } catch (error) {
      const code = error instanceof PlenumError ? error.code : undefined;
      if (code === 'remote-error') return 'failed';
      if (code !== 'timeout') return 'inconclusive';
      if (clock.now() - sentAt > options.timeoutMs + STALL_TOLERANCE_MS) return 'inconclusive';
      const isAlone = this.deps.registry.addresses().length < 2;
      return isAlone || this.#lastPassAt >= sentAt ? 'timeout' : 'inconclusive';
    }
  }
}
