// Start-muted policy (protocols.md §1.1, §2.2, §9): the conference request's `startAudioMuted` /
// `startVideoMuted` = N makes the N-th participant and everyone after start muted. Pure.

/** N for audio and video; undefined = nobody starts muted. */
export type StartMutedPolicy = { readonly audio?: number; readonly video?: number };

/** Reads the policy from conference request properties; anything but a positive integer is ignored. */
export function startMutedPolicyFrom(properties: Readonly<Record<string, string>>): StartMutedPolicy {
  const read = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,6}$/.test(v) && Number(v) >= 1 ? Number(v) : undefined);
  const audio = read(properties.startAudioMuted);
  const video = read(properties.startVideoMuted);
  return { ...(audio !== undefined ? { audio } : {}), ...(video !== undefined ? { video } : {}) };
}

/** Whether the participant at `position` (1 = first) starts muted. */
export function startMutedFor(policy: StartMutedPolicy, position: number): { readonly audio: boolean; readonly video: boolean } {
  return {
    audio: policy.audio !== undefined && position >= policy.audio,
    video: policy.video !== undefined && position >= policy.video,
  };
}
