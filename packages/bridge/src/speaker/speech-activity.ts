// Speech activity of every conference on the bridge: routes audio levels to each conference's
// DominantSpeakerDetector and runs their decisions on one clock interval (every decisionIntervalMs
// while any conference has speakers). The detectors are pure; this is the thin driver (C11).
//
// Hot path: handleAudioLevel is called for every audio packet that carries an RFC 6464 level: two
// map hits and a ring-buffer write, no allocation after an endpoint's first packet.
import type { Cancel, Clock, Logger, Off } from '@plenum/kit';
import { TypedEmitter } from '@plenum/kit';
import type { DominantSpeakerConfig } from './dominant-speaker.ts';
import { DOMINANT_SPEAKER_DEFAULTS, DominantSpeakerDetector } from './dominant-speaker.ts';

/** What speech activity reports. */
export type SpeechActivityEvents = {
  /** A new dominant speaker (or the same one after silence); earlier ones most recent first. */
  dominantSpeakerChanged: [conferenceId: string, endpointId: string, previousSpeakers: readonly string[]];
  /** Nobody in the conference has spoken for silenceTimeoutMs; `endpointId` is the last dominant speaker. */
  silence: [conferenceId: string, endpointId: string];
};

/** A listener for audio levels: RFC 6464 −dBov (0 loudest … 127 silence) at `atMs` (the bridge's clock). */
export type AudioLevelListener = (conferenceId: string, endpointId: string, levelDbov: number, atMs: number) => void;

/**
 * Where audio levels come from (style C8 port): the forwarding layer reads the RFC 6464 header
 * extension of each audio packet; tests inject a fake.
 */
export interface AudioLevelSource {
  /** Subscribes to every audio level; returns the disposer. */
  onAudioLevel(listener: AudioLevelListener): Off;
}

/** Dominant speaker detection for all conferences. */
export class SpeechActivity {
  readonly events: TypedEmitter<SpeechActivityEvents>;
  readonly #clock: Clock;
  readonly #config: DominantSpeakerConfig;
  readonly #detectors = new Map<string, DominantSpeakerDetector>();
  #stopTimer: Cancel | undefined;
  #isClosed = false;

  constructor(deps: { readonly clock: Clock; readonly log: Logger; readonly config?: Partial<DominantSpeakerConfig> }) {
    this.#clock = deps.clock;
    this.#config = { ...DOMINANT_SPEAKER_DEFAULTS, ...deps.config };
    this.events = new TypedEmitter<SpeechActivityEvents>(deps.log);
  }

  /** One audio level of one endpoint (the forwarding layer's entry point). */
  handleAudioLevel(conferenceId: string, endpointId: string, levelDbov: number, atMs: number): void {
    if (this.#isClosed) return;
    let detector = this.#detectors.get(conferenceId);
    if (detector === undefined) {
      detector = new DominantSpeakerDetector(this.#config);
      this.#detectors.set(conferenceId, detector);
      this.#stopTimer ??= this.#clock.setInterval(() => this.#decide(), this.#config.decisionIntervalMs);
    }
    detector.levelReceived(endpointId, levelDbov, atMs);
  }

  /** The conference's dominant speaker, and whether everyone has been silent since. */
  dominantSpeaker(conferenceId: string): { readonly endpointId: string; readonly isSilent: boolean; readonly previousSpeakers: readonly string[] } | undefined {
    const d = this.#detectors.get(conferenceId);
    const endpointId = d?.dominant;
    if (d === undefined || endpointId === undefined) return undefined;
    return { endpointId, isSilent: d.isSilent, previousSpeakers: d.speakerOrder().slice(1) };
  }

  /** Dominant speaker first, then earlier dominant speakers (only endpoints that ever were dominant). */
  speakerOrder(conferenceId: string): readonly string[] {
    return this.#detectors.get(conferenceId)?.speakerOrder() ?? [];
  }

  /** Forgets an endpoint that left. */
  removeEndpoint(conferenceId: string, endpointId: string): void {
    this.#detectors.get(conferenceId)?.remove(endpointId);
  }

  /** Forgets a conference that ended. */
  removeConference(conferenceId: string): void {
    this.#detectors.delete(conferenceId);
    if (this.#detectors.size === 0) this.#stop();
  }

  /** Stops deciding. Idempotent. */
  close(): void {
    this.#isClosed = true;
    this.#detectors.clear();
    this.#stop();
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  #stop(): void {
    this.#stopTimer?.();
    this.#stopTimer = undefined;
  }

  #decide(): void {
    const now = this.#clock.now();
    for (const [conferenceId, detector] of this.#detectors) {
      for (const e of detector.evaluate(now)) {
        if (e.kind === 'dominantSpeakerChanged') this.events.emit('dominantSpeakerChanged', conferenceId, e.endpoint, e.previousSpeakers);
        else this.events.emit('silence', conferenceId, e.endpoint);
      }
    }
  }
}
