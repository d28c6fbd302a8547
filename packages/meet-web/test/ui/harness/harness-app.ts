// Browser entry of the views' test page: the real app (startApp) with the FAKE core, plus
// `window.harness` for the tests to script the meeting and read what the views asked for.
import type { ParticipantView } from '../../../src/client/conference-api.ts';
import { startApp } from '../../../src/app/start-app.ts';
import type { WebConfig } from '../../../src/shared/web-config.ts';
import { DEFAULT_WEB_CONFIG } from '../../../src/shared/web-config.ts';
import { FakeConference, type FakeScript } from './fake-conference.ts';
import { FakeLocalMedia, type FakeMediaMode } from './fake-local-media.ts';
import { paintedCamera, paintedScreen } from './painted-streams.ts';

/** Set by the test before the page loads (page.addInitScript). */
export type HarnessOptions = {
  readonly config?: Partial<WebConfig>;
  readonly media?: FakeMediaMode;
  readonly script?: FakeScript;
};

export type RemoteOptions = Partial<ParticipantView> & { readonly hue?: number; readonly camera?: boolean; readonly screenTitle?: string };

const options: HarnessOptions = (globalThis as { harnessOptions?: HarnessOptions }).harnessOptions ?? {};
const conferences: FakeConference[] = [];
let media: FakeLocalMedia | undefined;

const harness = {
  conferences,
  /** The meeting joined last. */
  get conference(): FakeConference {
    const last = conferences.at(-1);
    if (last === undefined) throw new Error('no conference joined yet');
    return last;
  },
  get media(): FakeLocalMedia | undefined {
    return media;
  },
  /** Adds a remote participant with a painted camera (and screen, when sharing). */
  addRemote(id: string, displayName: string, extra: RemoteOptions = {}): void {
    const { hue = 200, camera = true, screenTitle, ...view } = extra;
    const p: ParticipantView = {
      id, isLocal: false, displayName, role: 'participant', audioMuted: false, videoMuted: !camera, handRaisedAt: undefined,
      screenSharing: screenTitle !== undefined, isPhone: false, connectionQuality: 'good', audioStream: undefined,
      cameraStream: camera ? paintedCamera(displayName, hue) : undefined,
      screenStream: screenTitle !== undefined ? paintedScreen(screenTitle) : undefined,
      cameraSourceName: `${id}-v0`, screenSourceName: screenTitle !== undefined ? `${id}-v1` : undefined, ...view,
    };
    harness.conference.addParticipant(p);
  },
  /** The first element matching `selector` anywhere, inside shadow roots too. */
  deepQuery(selector: string): Element | null {
    const roots: ParentNode[] = [document];
    for (let root = roots.pop(); root !== undefined; root = roots.pop()) {
      const hit = root.querySelector(selector);
      if (hit !== null) return hit;
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot !== null) roots.push(el.shadowRoot);
    }
    return null;
  },
  /** Starts a screen share for a remote participant already in the meeting. */
  shareScreen(id: string, title: string): void {
    harness.conference.patchParticipant(id, { screenSharing: true, screenStream: paintedScreen(title), screenSourceName: `${id}-v1` });
  },
};
(globalThis as { harness?: typeof harness }).harness = harness;
export type Harness = typeof harness;

startApp({
  config: { ...DEFAULT_WEB_CONFIG, ...options.config },
  createLocalMedia: () => (media = new FakeLocalMedia(options.media ?? 'browser-fake-device')),
  createConference: (_config, room, localMedia) => {
    const conference = new FakeConference(room, localMedia, options.script ?? {});
    conferences.push(conference);
    return conference;
  },
  root: document.body,
  storage: localStorage,
});
