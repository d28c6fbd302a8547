// Jitsi's URL-hash convention (`#config.startWithAudioMuted=true&userInfo.displayName="Alice"`), so
// links and tests that work with Jitsi Meet work here. Values are JSON. Only the keys below are
// honoured: anything that would point the app at another server (hosts, websocket, STUN) is never
// taken from a link, since a link can come from anyone.
import type { WebConfig } from '../shared/web-config.ts';

/** The config with the link's overrides applied, and the display name the link asks for. */
export type UrlOverrides = {
  readonly config: WebConfig;
  readonly displayName: string | undefined;
  /** Keys present in the hash that were not applied (unknown, or a value of the wrong type). */
  readonly ignored: readonly string[];
};

const MAX_DISPLAY_NAME_LENGTH = 64;

type Apply = (config: WebConfig, value: unknown) => WebConfig | undefined;

const bool = (set: (config: WebConfig, value: boolean) => WebConfig): Apply =>
  (config, value) => (typeof value === 'boolean' ? set(config, value) : undefined);

const int = (min: number, max: number, set: (config: WebConfig, value: number) => WebConfig): Apply =>
  (config, value) => (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? set(config, value) : undefined);

const CONFIG_KEYS: Readonly<Record<string, Apply>> = {
  'prejoinConfig.enabled': bool((c, v) => ({ ...c, prejoinConfig: { ...c.prejoinConfig, enabled: v } })),
  // COMPAT(Jitsi Meet < 2022 links): the old spelling of prejoinConfig.enabled.
  prejoinPageEnabled: bool((c, v) => ({ ...c, prejoinConfig: { ...c.prejoinConfig, enabled: v } })),
  startWithAudioMuted: bool((c, v) => ({ ...c, startWithAudioMuted: v })),
  startWithVideoMuted: bool((c, v) => ({ ...c, startWithVideoMuted: v })),
  requireDisplayName: bool((c, v) => ({ ...c, requireDisplayName: v })),
  disableSimulcast: bool((c, v) => ({ ...c, disableSimulcast: v })),
  'p2p.enabled': bool((c, v) => ({ ...c, p2p: { ...c.p2p, enabled: v } })),
  channelLastN: int(-1, 1000, (c, v) => ({ ...c, channelLastN: v })),
  resolution: int(90, 2160, (c, v) => ({ ...c, resolution: v })),
};

/** Reads `#key=value&…` (leading `#` optional) on top of `base`. Never throws. */
export function applyHashOverrides(base: WebConfig, hash: string): UrlOverrides {
  let config = base;
  let displayName: string | undefined;
  const ignored: string[] = [];
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body === '') return { config, displayName, ignored };
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? undefined : parseJson(safeDecode(pair.slice(eq + 1)));
    if (key === undefined) continue;
    if (key === 'userInfo.displayName') {
      if (typeof value === 'string' && value.trim() !== '') displayName = value.trim().slice(0, MAX_DISPLAY_NAME_LENGTH);
      else ignored.push(key);
      continue;
    }
    const configKey = key.startsWith('config.') ? key.slice('config.'.length) : undefined;
    // hasOwn: a key like `config.__proto__` must not reach Object.prototype.
    const apply = configKey !== undefined && Object.hasOwn(CONFIG_KEYS, configKey) ? CONFIG_KEYS[configKey] : undefined;
    const next = apply === undefined || value === undefined ? undefined : apply(config, value);
    if (next === undefined) ignored.push(key);
    else config = next;
  }
  return { config, displayName, ignored };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed %-escape in a link: the key or value is dropped, the rest still applies.
    return undefined;
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (Jitsi's rule too): the key is ignored.
    return undefined;
  }
}
