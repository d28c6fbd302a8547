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

const NO_MEDIA_DEVICES: ConferenceError = { code: 'media-failed', message: 'This page has no access to cameras (it must be served over HTTPS or from localhost).' };

/** What the user is told when only one of the two opened: the other's own failure, named. */
function partialError(missing: 'camera' | 'microphone', error: unknown): ConferenceError {
  const why = mediaError(error);
  const reason = why.code === 'media-denied' ? 'access was refused' : why.code === 'media-not-found' ? 'none was found' : why.message;
  return missing === 'camera'
    ? { code: 'camera-unavailable', message: `The camera could not be opened (${reason}).` }
    : { code: 'microphone-unavailable', message: `The microphone could not be opened (${reason}).` };
}

export class BrowserLocalMedia implements LocalMedia {
  readonly #config: WebConfig;
  #stream: MediaStream | undefined;
  #opening: Promise<unknown> | undefined;
  #missing: ConferenceError | undefined;

  constructor(config: WebConfig) {
    this.#config = config;
  }

  get stream(): MediaStream | undefined {
    return this.#stream;
  }

  get opening(): Promise<unknown> | undefined {
    return this.#opening;
  }

  get missing(): ConferenceError | undefined {
    return this.#missing;
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

  async add(kind: 'audio' | 'video'): Promise<MediaStreamTrack> {
    if (!navigator.mediaDevices?.getUserMedia) throw NO_MEDIA_DEVICES;
    let opened: MediaStream;
    try {
      opened = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: true } : { video: this.#videoConstraints(undefined) });
    } catch (error) {
      throw partialError(kind === 'audio' ? 'microphone' : 'camera', error);
    }
    const track = (kind === 'audio' ? opened.getAudioTracks() : opened.getVideoTracks())[0];
    if (track === undefined) throw partialError(kind === 'audio' ? 'microphone' : 'camera', undefined);
    const stream = this.#stream ?? new MediaStream();
    stream.addTrack(track);
    this.#stream = stream;
    if (this.#missing?.code === (kind === 'audio' ? 'microphone-unavailable' : 'camera-unavailable')) this.#missing = undefined;
    return track;
  }

  #videoConstraints(deviceId: string | undefined): MediaTrackConstraints {
    const height = this.#config.resolution;
    return {
      height: { ideal: height, max: height },
      width: { ideal: Math.round((height * 16) / 9), max: Math.round((height * 16) / 9) },
      ...(deviceId !== undefined ? { deviceId: { exact: deviceId } } : {}),
    };
  }

  async #open(options: { audio: boolean; video: boolean; audioDeviceId?: string; videoDeviceId?: string }): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) throw NO_MEDIA_DEVICES;
    const video: MediaTrackConstraints | false = options.video ? this.#videoConstraints(options.videoDeviceId) : false;
    const audio: MediaTrackConstraints | false = options.audio
      ? { ...(options.audioDeviceId !== undefined ? { deviceId: { exact: options.audioDeviceId } } : {}) }
      : false;
    let stream: MediaStream;
    let missing: ConferenceError | undefined;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (error) {
      // One request for both fails if either fails (a desk computer with a headset and no camera,
      // a camera busy in another app, a refused camera): keep whichever of the two still opens.
      if (audio === false || video === false) throw mediaError(error);
      const alone = await this.#openOne({ audio }, error) ?? await this.#openOne({ video }, error);
      if (alone === undefined) throw mediaError(error);
      stream = alone.stream;
      missing = alone.missing;
    }
    this.close();
    this.#stream = stream;
    this.#missing = missing;
    return stream;
  }

  /** Only the microphone or only the camera, after both together failed with `bothError`. */
  async #openOne(constraints: { audio: MediaTrackConstraints } | { video: MediaTrackConstraints }, bothError: unknown): Promise<{ stream: MediaStream; missing: ConferenceError } | undefined> {
    const isAudio = 'audio' in constraints;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch {
      return undefined;
    }
    // Not asked again alone for its own reason: Firefox would prompt once more.
    return { stream, missing: partialError(isAudio ? 'camera' : 'microphone', bothError) };
  }

  close(): void {
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = undefined;
    this.#missing = undefined;
  }
}
