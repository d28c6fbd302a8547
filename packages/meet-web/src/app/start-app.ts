// Builds the app from what the page gives (config, location, storage) and mounts it. The bundle
// entry (src/app.ts) calls it with the real conference core; the UI tests with a fake one.
import type { CreateConference, CreateLocalMedia } from '../client/conference-api.ts';
import { DEFAULT_WEB_CONFIG, type WebConfig } from '../shared/web-config.ts';
import '../ui/meet-app.ts';
import type { MeetApp } from '../ui/meet-app.ts';
import { detectBrowser } from './browser-support.ts';
import type { KeyValueStore } from './key-value-store.ts';
import { LocalSettings } from './local-settings.ts';
import { applyHashOverrides } from './url-overrides.ts';

export type StartAppOptions = {
  /** `globalThis.config` as `/config.js` set it (may lack keys an older server does not write). */
  readonly config: Partial<WebConfig> | undefined;
  readonly createLocalMedia: CreateLocalMedia;
  readonly createConference: CreateConference;
  /** Where to mount; the app fills it. */
  readonly root: HTMLElement;
  readonly storage: KeyValueStore | undefined;
};

/** Mounts `<meet-app>` into `root` and returns it. */
export function startApp(options: StartAppOptions): MeetApp {
  const base = withDefaults(options.config);
  const overrides = applyHashOverrides(base, location.hash);
  const app = document.createElement('meet-app');
  app.context = {
    config: overrides.config,
    linkDisplayName: overrides.displayName,
    settings: new LocalSettings(options.storage),
    media: options.createLocalMedia(overrides.config),
    createConference: options.createConference,
    browser: detectBrowser(navigator.userAgent),
    random: cryptoRandom,
    now: () => Date.now(),
  };
  options.root.replaceChildren(app);
  return app;
}

/** The server's config over the defaults, one level deep (each nested object whole). */
function withDefaults(config: Partial<WebConfig> | undefined): WebConfig {
  const given = typeof config === 'object' && config !== null ? config : {};
  return { ...DEFAULT_WEB_CONFIG, ...given };
}

/** A uniform number in [0, 1) from the platform's CSPRNG: room names should not be guessable from Math.random's state. */
function cryptoRandom(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return (word[0] ?? 0) / 2 ** 32;
}

/** localStorage, or undefined where the browser refuses it (some private modes throw on access). */
export function browserStorage(): KeyValueStore | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    // Storage disabled: the app runs without remembering anything.
    return undefined;
  }
}
