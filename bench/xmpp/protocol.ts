// Messages between the bench (parent) and its load-generator processes, over the fork() IPC
// channel. Every room lives in exactly one worker, so a worker sees both ends of all of its
// messages: latency needs no cross-process clock and loss/duplicate checks stay local.
import type { HistogramData } from './histogram.ts';

/** How each client paces its messages. */
export type SendMode =
  /** Open loop: every client sends `ratePerSecond` messages per second whatever the server does. */
  | { readonly kind: 'rate'; readonly ratePerSecond: number }
  /** Closed loop: every client keeps `inflight` messages outstanding; its own echo releases the next. */
  | { readonly kind: 'max'; readonly inflight: number };

/** One room handled by a worker. */
export type RoomPlan = {
  /** Bare room JID, `name@muc-domain`. */
  readonly jid: string;
  /** Global client ids of its occupants (also their nicknames, `c<id>`). */
  readonly clientIds: readonly number[];
};

/** Everything a worker needs to connect its clients. */
export type WorkerPlan = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly rooms: readonly RoomPlan[];
  readonly mode: SendMode;
  /** Most handshakes a worker runs at once, so a big run does not stampede the server. */
  readonly connectConcurrency: number;
  readonly handshakeTimeoutMs: number;
};

/** The measurement timeline, in `process.hrtime` milliseconds (CLOCK_MONOTONIC, shared by all processes). */
export type Timeline = {
  readonly startAtHrMs: number;
  readonly measureFromHrMs: number;
  readonly measureUntilHrMs: number;
  /** After sending stops, how long to wait for the last deliveries. */
  readonly drainMs: number;
};

/** Parent → worker. */
export type ToWorker =
  | { readonly kind: 'connect'; readonly plan: WorkerPlan }
  | { readonly kind: 'start'; readonly timeline: Timeline }
  | { readonly kind: 'close' };

/** Per-worker counts; the parent adds them up. */
export type WorkerResult = {
  /** Messages sent inside the measured window. */
  readonly sentMeasured: number;
  /** Groupchat deliveries received inside the measured window (these are in the histogram). */
  readonly deliveredMeasured: number;
  /** Deliveries the messages sent in the window should have produced (room size each). */
  readonly expectedForMeasured: number;
  /** Of those, deliveries that never arrived before the drain deadline. */
  readonly lost: number;
  /** Deliveries beyond room size for one message. */
  readonly duplicated: number;
  /** Deliveries that arrived before an earlier message of the same sender (per recipient). */
  readonly reordered: number;
  /** Deliveries of a message to a client outside the sender's room, or with an unreadable body. */
  readonly misrouted: number;
  /** Error stanzas received in answer to our messages (rate limits, refusals). */
  readonly stanzaErrors: number;
  /** Clients whose connection broke during the run, and the first reason given. */
  readonly disconnected: number;
  readonly firstDisconnectReason: string | null;
  /** Largest user-space send queue of one client, sampled every 100 ms (the server not reading). */
  readonly maxPendingBytes: number;
  /** Open loop only: worst lag of an actual send behind its schedule (generator falling behind). */
  readonly maxSendLagMs: number;
  /** Socket reads by all clients inside the measured window. */
  readonly readsMeasured: number;
  /** Time from first connect to the last client joined. */
  readonly joinMs: number;
  readonly latency: HistogramData;
};

/** Worker → parent. */
export type FromWorker =
  | { readonly kind: 'joined'; readonly joinMs: number }
  | { readonly kind: 'result'; readonly result: WorkerResult }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly reason: string };
