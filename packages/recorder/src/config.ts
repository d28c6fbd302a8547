// The recorder's configuration (style C13). File keys are nested as shown; the environment spells
// them PLENUM_RECORDER_ + upper snake case (`output.directory` → PLENUM_RECORDER_OUTPUT_DIRECTORY).
import type { ConfigOf, ConfigSources } from '@plenum/kit/node';
import { f, loadConfig } from '@plenum/kit/node';

const DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const BARE_JID = /^[^@/\s]+@[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const NICK = /^[a-z0-9][a-z0-9-]{0,30}$/;

export const recorderConfigSpec = {
  component: {
    domain: f.string('the recorder\'s component domain; the focus must trust it (moderation.trustedServiceDomains) so it is never made moderator', 'recorder.plenum.localhost', { pattern: DOMAIN }),
    host: f.string('XMPP server address for the XEP-0114 connection', '127.0.0.1'),
    port: f.port('XMPP server component port', 5347),
    secret: f.string('XEP-0114 shared secret (the server\'s components.secrets entry for the domain)', ''),
    reconnectMaxDelayMs: f.int('longest wait between reconnection attempts', 30_000, { min: 100 }),
  },
  nick: f.string('nickname in the jibri brewery (unique per recorder)', 'recorder-1', { pattern: NICK }),
  breweryJid: f.string('MUC room where recorders announce idle/busy to the focus', 'jibribrewery@internal.plenum.localhost', { pattern: BARE_JID }),
  focusNick: f.string('the focus\'s nickname in rooms (where Jingle comes from)', 'focus'),
  output: {
    directory: f.string('where recordings are written, one sub-directory per recording', './recordings'),
    finalizeCommand: f.optionalString('command run after a recording with the manifest path as its only argument (like Jibri\'s finalize script)'),
  },
  ffmpeg: {
    path: f.string('the ffmpeg binary', 'ffmpeg'),
    stopTimeoutMs: f.int('how long ffmpeg may take to finish its files after a stop before it is killed', 5_000, { min: 100 }),
  },
  composed: {
    enabled: f.bool('also write the composed view (mixed audio, a grid of the video tiles) as MP4', true),
    width: f.int('composed video width', 640, { min: 64, max: 3840 }),
    height: f.int('composed video height', 360, { min: 64, max: 2160 }),
    frameRate: f.int('composed video frame rate', 15, { min: 1, max: 60 }),
  },
  jingleTimeoutMs: f.int('how long the focus may take to offer the recorder its session after it joined the room', 15_000, { min: 1_000 }),
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  },
} as const;

export type RecorderConfig = ConfigOf<typeof recorderConfigSpec>;

export const loadRecorderConfig = (sources: ConfigSources = {}): RecorderConfig => loadConfig('PLENUM_RECORDER_', recorderConfigSpec, sources);
