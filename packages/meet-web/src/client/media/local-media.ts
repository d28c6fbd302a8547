// Camera and microphone of this page (pre-join preview, device choice, the tracks a conference
// sends). One per page; a conference borrows its stream and never stops it.
import type { ConferenceError, LocalMedia } from '../conference-api.ts';
import type { WebConfig } from '../../shared/web-config.ts';

/** Maps getUserMedia's DOMException names onto what the user is told. */
export function mediaError(error: unknown): ConferenceError {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return { code: 'media-denied', message: 'Camera and microphone access was denied. Allow it in the browser to be seen and heard.' };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { code: 'media-not-found', message: 'No camera or microphone was found.' };
    case 'NotReadableError':
      return { code: 'media-failed', message: 'The camera or microphone is in use by another application.' };
    default:
      return { code: 'media-failed', message: `Camera or microphone could not be opened${name ? ` (${name})` : ''}.` };
  }
}

export class BrowserLocalMedia implements LocalMedia {
  readonly #config: WebConfig;
  #stream: MediaStream | undefined;
  #opening: Promise<unknown> | undefined;

  constructor(config: WebConfig) {
    this.#config = config;
  }

  get stream(): MediaStream | undefined {
    return this.#stream;
  }

  get opening(): Promise<unknown> | undefined {
    return this.#opening;
  }

  async devices(): Promise<readonly MediaDeviceInfo[]> {
    if (!navigator.mediaDevices?.enumerateDevices) return [];
    return navigator.mediaDevices.enumerateDevices();
  }

  open(options: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<MediaStream> {
    const opening = this.#open(options);
    this.#opening = opening;
    const settled = (): void => {
      if (this.#opening === opening) this.#opening = undefined;
    };
    opening.then(settled, settled);
    return opening;
  }

  async #open(options: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw { code: 'media-failed', message: 'This page has no access to cameras (it must be served over HTTPS or from localhost).' } satisfies ConferenceError;
    }
    const height = this.#config.resolution;
    const video: MediaTrackConstraints | false = options.video
      ? {
        height: { ideal: height, max: height },
        width: { ideal: Math.round((height * 16) / 9), max: Math.round((height * 16) / 9) },
        ...(options.videoDeviceId !== undefined ? { deviceId: { exact: options.videoDeviceId } } : {}),
      }
      : false;
    const audio: MediaTrackConstraints | false = options.audio
      ? { ...(options.audioDeviceId !== undefined ? { deviceId: { exact: options.audioDeviceId } } : {}) }
      : false;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (error) {
      throw mediaError(error);
    }
    this.close();
    this.#stream = stream;
    return stream;
  }

  close(): void {
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = undefined;
  }
}
