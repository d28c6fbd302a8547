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
  tracks: {
    maxHeight: f.int('tallest picture the per-source files keep: the recorder asks the bridge for every video up to this height (a composed view or live stream alone needs only its own height)', 720, { min: 90, max: 2160 }),
  },
  composed: {
    enabled: f.bool('also write the composed view (mixed audio, a grid of the video tiles) as MP4', true),
    width: f.int('composed video width', 640, { min: 64, max: 3840 }),
    height: f.int('composed video height', 360, { min: 64, max: 2160 }),
    frameRate: f.int('composed video frame rate', 15, { min: 1, max: 60 }),
    fontFile: f.string('TrueType font for the participants\' names on their tiles (Debian: fonts-dejavu-core); names are left out if the file is missing', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', { pattern: /^[^'\\:\n]+$/ }),
  },
  stream: {
    defaultBaseUrl: f.string('where a bare stream key (no rtmp:// URL) is streamed to, as Jibri does: YouTube\'s ingest', 'rtmp://a.rtmp.youtube.com/live2', { pattern: /^rtmps?:\/\/[^\s]+$/ }),
    videoBitrateKbps: f.int('H.264 bitrate of the live stream', 1_500, { min: 100, max: 20_000 }),
    reconnectMinDelayMs: f.int('first wait before reconnecting to an RTMP server that dropped or refused; doubles per failed attempt', 500, { min: 50 }),
    reconnectMaxDelayMs: f.int('longest wait between reconnection attempts', 8_000, { min: 100 }),
    giveUpAfterMs: f.int('how long the stream may stay down (or never come up) before the session ends as failed', 60_000, { min: 1_000 }),
  },
  retention: {
    days: f.int('recordings are deleted this many days after they ended (0 = kept forever); only directories with the recorder\'s manifest', 7, { min: 0, max: 36_500 }),
    sweepIntervalMs: f.int('how often old recordings are looked for', 3_600_000, { min: 1_000 }),
  },
  download: {
    port: f.int('port of the HTTP server giving the initiator their recording at /recordings/<token>/ (0 = no server, no link)', 0, { min: 0, max: 65_535 }),
    host: f.string('address the download server binds', '127.0.0.1'),
    publicBaseUrl: f.optionalString('the download server as users reach it (e.g. https://meet.example.org, behind a reverse proxy); default http://<host>:<port>'),
    maxConnections: f.int('simultaneous connections to the download server; more are refused', 100, { min: 1, max: 10_000 }),
  },
  jingleTimeoutMs: f.int('how long the focus may take to offer the recorder its session after it joined the room', 15_000, { min: 1_000 }),
  log: {
    level: f.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  },
} as const;

export type RecorderConfig = ConfigOf<typeof recorderConfigSpec>;

export const loadRecorderConfig = (sources: ConfigSources = {}): RecorderConfig => loadConfig('PLENUM_RECORDER_', recorderConfigSpec, sources);
