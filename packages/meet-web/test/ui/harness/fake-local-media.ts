// FAKE LocalMedia for the views' tests: Chromium's fake camera and microphone through
// getUserMedia (real media, no core), a painted picture for screenshots, or a refusal.
import type { ConferenceError, LocalMedia } from '../../../src/client/conference-api.ts';
import { paintedCamera } from './painted-streams.ts';

export type FakeMediaMode = 'browser-fake-device' | 'painted' | 'denied' | 'no-devices';

export class FakeLocalMedia implements LocalMedia {
  stream: MediaStream | undefined;
  /** The views' tests await `open` themselves; nothing is ever pending here. */
  readonly opening: Promise<unknown> | undefined = undefined;
  readonly opened: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }[] = [];

  constructor(private readonly mode: FakeMediaMode, private readonly paintedName = 'You') {}

  async devices(): Promise<readonly MediaDeviceInfo[]> {
    if (this.mode === 'denied' || this.mode === 'no-devices') return [];
    return navigator.mediaDevices.enumerateDevices();
  }

  async open(options: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<MediaStream> {
    this.opened.push(options);
    if (this.mode === 'denied') {
      const error: ConferenceError = { code: 'media-denied', message: 'You blocked the camera and microphone for this site.' };
      throw error;
    }
    if (this.mode === 'no-devices') {
      const error: ConferenceError = { code: 'media-not-found', message: 'No camera or microphone was found.' };
      throw error;
    }
    this.close();
    if (this.mode === 'painted') {
      const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
      this.stream = new MediaStream([...microphone.getAudioTracks(), ...paintedCamera(this.paintedName, 212).getVideoTracks()]);
    } else {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: options.audio, video: options.video });
    }
    return this.stream;
  }

  close(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }
}
