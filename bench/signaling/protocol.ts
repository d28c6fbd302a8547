// Messages between the bench (parent) and its load-generator processes, over the fork() IPC
// channel, and what a worker reports. All times are `process.hrtime` milliseconds
// (CLOCK_MONOTONIC, the same clock in every process), so the parent can merge workers.

/** Where the participants connect and what they address. */
export type Addresses = {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly mucDomain: string;
  readonly focusDomain: string;
};

/** One round of joins handled by one worker: its share of the conferences. */
export type RoundPlan = {
  readonly label: string;
  readonly addresses: Addresses;
  /** Bare room JIDs of this worker's conferences. */
  readonly rooms: readonly string[];
  /** Per room: when its participants start, in ms after the common start (all 0: everyone at once). */
  readonly startOffsetsMs: readonly number[];
  readonly participantsPerRoom: number;
  /** Ids of the bridges the bench started: every offer must point at one of them. */
  readonly bridgeIds: readonly string[];
  /** First SSRC this worker may use; SSRCs are unique across the whole run. */
  readonly ssrcBase: number;
  /** Most logins a worker runs at once, so logging in does not stampede the server. */
  readonly loginConcurrency: number;
  readonly loginTimeoutMs: number;
  /** After the start, how long a participant may take to get its session-initiate and accept. */
  readonly sessionTimeoutMs: number;
  /** After every session is accepted, how long source signaling may take to reach everyone. */
  readonly settleTimeoutMs: number;
};

/** Parent → worker. */
export type ToWorker =
  | { readonly kind: 'login'; readonly plan: RoundPlan }
  | { readonly kind: 'go'; readonly startAtHrMs: number }
  | { readonly kind: 'leave' }
  | { readonly kind: 'close' };

/** What happened to one participant, as hrtime milliseconds (undefined: never happened). */
export type ParticipantRecord = {
  readonly room: string;
  readonly nick: string;
  readonly requestSentMs: number | undefined;
  readonly readyMs: number | undefined;
  readonly joinSentMs: number | undefined;
  readonly initiateMs: number | undefined;
  readonly acceptSentMs: number | undefined;
  readonly acceptedMs: number | undefined;
  /** session-initiates received (must be exactly 1). */
  readonly initiates: number;
  /** The bridge (colibri-ws server id) and meeting id the offer pointed at. */
  readonly bridgeId: string | undefined;
  readonly meetingId: string | undefined;
  /** The first thing that went wrong for this participant. */
  readonly error: string | undefined;
};

/** One worker's report of a round. */
export type WorkerResult = {
  readonly participants: readonly ParticipantRecord[];
  /** Participants whose view of the others' sources matched exactly what the others sent. */
  readonly sourceViewsComplete: number;
  /** The first mismatch, for the report. */
  readonly firstSourceProblem: string | undefined;
  /** When the last participant's source view became complete (hrtime ms). */
  readonly settledMs: number | undefined;
  /** Queries other than the offer the participants received, by kind (source-add, disco#info, …). */
  readonly received: Readonly<Record<string, number>>;
  /** The worker's own event-loop delay during the round (a busy generator inflates latencies). */
  readonly eventLoopDelayMaxMs: number;
  readonly eventLoopDelayP99Ms: number;
  readonly loginMs: number;
};

/** Worker → parent. */
export type FromWorker =
  | { readonly kind: 'loggedIn'; readonly loginMs: number }
  | { readonly kind: 'initiated'; readonly atHrMs: number }
  | { readonly kind: 'result'; readonly result: WorkerResult }
  | { readonly kind: 'left' }
  | { readonly kind: 'failed'; readonly reason: string };
