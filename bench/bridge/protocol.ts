// Messages between the bench (parent) and the load generator (forked child, IPC channel).

/** What the generator needs to reach the stack and shape the load. */
export type GeneratorConfig = {
  readonly componentPort: number;
  readonly focusDomain: string;
  readonly focusSecret: string;
  readonly bridgeDomain: string;
  readonly participants: number;
  readonly audioPps: number;
  readonly videoPps: number;
  readonly videoPayloadBytes: number;
  /** Simulcast layers per sender (1 or 3): 3 sends 180p, 360p and 720p at videoPps ÷ 6, ÷ 3 and videoPps. */
  readonly layers: number;
  /** The height every receiver asks for over its bridge channel (ReceiverVideoConstraints). */
  readonly receiveHeight: number;
};

export type ToGenerator =
  | { readonly kind: 'init'; readonly config: GeneratorConfig }
  /** Allocate and connect conferences until there are `conferences`. */
  | { readonly kind: 'grow'; readonly conferences: number }
  /** Send for warmup + window, then drain; reply with the window's result. */
  | { readonly kind: 'run'; readonly warmupMs: number; readonly windowMs: number; readonly drainMs: number }
  | { readonly kind: 'stop' };

/** Latency histogram: bucket i counts latencies in [i, i+1) × LATENCY_BUCKET_US; the last bucket is overflow. */
export const LATENCY_BUCKET_US = 10;
export const LATENCY_BUCKETS = 20_001;

export type RunResult = {
  readonly kind: 'result';
  readonly windowMs: number;
  /** Packets sent inside the window (all streams). */
  readonly sent: number;
  /** Copies the bridge should deliver for them: sent × (participants − 1). */
  readonly expected: number;
  /** Copies of window packets that came back (by tag), whenever they arrived before the drain ended. */
  readonly received: number;
  /** Datagrams whose tag named a packet sent before this run (late deliveries of an earlier run). */
  readonly stale: number;
  /** Packets the generator could not send on time (its own lag, in packets not sent by the window's end). */
  readonly behind: number;
  readonly histogram: number[];
  readonly maxLatencyUs: number;
  /** The generator's own event-loop delay over the window (ms): its share of the measured latency. */
  readonly generatorLoopDelayP99Ms: number;
  readonly generatorLoopDelayMaxMs: number;
  /** Time spent pre-encrypting this run's packets, and how many. */
  readonly encryptMs: number;
  readonly encrypted: number;
};

export type FromGenerator =
  | { readonly kind: 'ready' }
  | { readonly kind: 'grown'; readonly endpoints: number; readonly ms: number }
  | { readonly kind: 'window-open' }
  | { readonly kind: 'window-closed' }
  | RunResult
  | { readonly kind: 'failed'; readonly reason: string };
