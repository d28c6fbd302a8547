// The browser bundle's entry: reads `/config.js`'s `globalThis.config`, applies the link's
// overrides and mounts the app with the real conference core.
import { browserStorage, startApp } from './app/start-app.ts';
import { createConference, createLocalMedia } from './client/index.ts';
import type { WebConfig } from './shared/web-config.ts';

const root = document.getElementById('app') ?? document.body;
startApp({
  config: (globalThis as { config?: Partial<WebConfig> }).config,
  createLocalMedia,
  createConference,
  root,
  storage: browserStorage(),
});
