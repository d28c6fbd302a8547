// Builds and starts a SIP gateway from its configuration: the XEP-0114 connection, the SIP user
// agent, and the SipGateway with the real parts behind its ports (conference legs, phone RTP
// ports, the mixer and Opus encoder, the shared frame clock, prompts). Used by main.ts, npm start
// and the tests.
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '@plenum/kit';
import { silentLogger, systemClock } from '@plenum/kit';
import type { ConfigSources } from '@plenum/kit/node';
import { createPinoLogger } from '@plenum/kit/node';
import { ComponentConnection } from '@plenum/xmpp/component';
import type { SipGatewayConfig } from './config.ts';
import { loadSipGatewayConfig } from './config.ts';
import type { AudioPeerOptions } from './conference/index.ts';
import { ConferenceLeg, sipStatusFor } from './conference/index.ts';
import { ConferenceAudioMixer } from './media/conference-audio-mixer.ts';
import { parseDtmfInfo } from './media/dtmf.ts';
import { FrameClock } from './media/frame-clock.ts';
import { ConferenceFrameEncoder } from './media/conference-frame-encoder.ts';
import { EncoderLoadGovernor } from './media/encoder-load-governor.ts';
import type { OpusComplexity } from './media/opus-codec.ts';
import { PromptPlayer, loadPrompts } from './media/prompt-player.ts';
import type { PhoneCodecName } from './media/phone-audio.ts';
import { openPhoneAudioPort } from './media/phone-audio-port.ts';
import type { PhoneMediaConfig } from './media/phone-media-config.ts';
import type { SipUserAgentConfig } from './sip/index.ts';
import { SipUserAgent, defaultSipUserAgentConfig } from './sip/index.ts';
import { FocusPinDirectory } from './gateway/pin-directory-client.ts';
import type { CallParts, JoinConference } from './gateway/ports.ts';
import { SipGateway } from './gateway/sip-gateway.ts';

export type StartSipGatewayOptions = ConfigSources & {
  readonly config?: SipGatewayConfig;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** ICE options of the conference legs (tests: `{ interfaceAddress: '127.0.0.1' }`). */
  readonly media?: AudioPeerOptions;
};

export type RunningSipGateway = {
  readonly gateway: SipGateway;
  readonly config: SipGatewayConfig;
  /** The SIP port actually bound (UDP and TCP). */
  readonly sipPort: number;
  /** The complexity the callers' audio is encoded at now, by the gateway's load. */
  readonly encoderLoad: Pick<EncoderLoadGovernor, 'complexity' | 'isUnderLoad' | 'busySwitches'>;
  /** Hangs up every call, leaves the brewery, stops SIP and XMPP; idempotent. */
  close(): Promise<void>;
};

const PHONE_CODECS: readonly PhoneCodecName[] = ['opus', 'G722', 'PCMU', 'PCMA'];

/** The user agent's settings from the gateway's. */
export const sipUserAgentConfigOf = (config: SipGatewayConfig): SipUserAgentConfig => ({
  ...defaultSipUserAgentConfig,
  host: config.sip.host, port: config.sip.port, udp: config.sip.udp, tcp: config.sip.tcp, publicHost: config.sip.publicHost,
  inboundAllowList: config.sip.inboundAllowList, maxMessageBytes: config.sip.maxMessageBytes, maxCalls: config.maxCalls,
  invitesPerSecond: config.sip.invitesPerSecond, sessionExpiresSeconds: config.sip.sessionExpiresSeconds, userAgent: config.sip.userAgent,
});

/** The phone side's RTP settings from the gateway's; an unknown codec name stops start-up. */
export function phoneMediaConfigOf(config: SipGatewayConfig): PhoneMediaConfig {
  const unknown = config.rtp.codecs.filter((c) => !(PHONE_CODECS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`rtp.codecs: unknown codec ${unknown.join(', ')} (known: ${PHONE_CODECS.join(', ')})`);
  if (config.rtp.portMax < config.rtp.portMin + 1) throw new Error('rtp.portMax must be above rtp.portMin');
  return {
    host: config.rtp.host, advertisedAddress: config.rtp.publicHost, portMin: config.rtp.portMin, portMax: config.rtp.portMax,
    codecs: config.rtp.codecs as readonly PhoneCodecName[], jitterBufferMs: config.rtp.jitterBufferMs,
    offerSrtp: config.rtp.srtp === 'required', symmetricRtp: true,
  };
}

export async function startSipGateway(opts: StartSipGatewayOptions = {}): Promise<RunningSipGateway> {
  const config = opts.config ?? loadSipGatewayConfig(opts);
  if (config.component.secret === '') throw new Error('component.secret (PLENUM_SIP_COMPONENT_SECRET) is required');
  const log = opts.log ?? (config.log.level === 'silent' ? silentLogger : createPinoLogger({ level: config.log.level, component: 'sip-gateway' }));
  const clock = opts.clock ?? systemClock;
  const phoneMedia = phoneMediaConfigOf(config);
  const connection = new ComponentConnection({
    log: log.child({ part: 'xmpp' }), clock, ids: { next: () => randomUUID() },
    options: {
      host: config.component.host, port: config.component.port, domain: config.component.domain,
      secret: config.component.secret, reconnectMaxDelayMs: config.component.reconnectMaxDelayMs,
    },
  });
  // Read at start-up: a missing prompt file is a broken install, better found now than by a caller.
  const prompts = loadPrompts();
  const frameClock = new FrameClock({ log: log.child({ part: 'frame-clock' }) });
  const audioConfig = config.conferenceAudio;
  const encoderLoad = new EncoderLoadGovernor({
    normal: audioConfig.encoderComplexity as OpusComplexity, underLoad: audioConfig.encoderComplexityUnderLoad as OpusComplexity,
    busyAbovePercent: audioConfig.busyAbovePercent, calmBelowPercent: audioConfig.calmBelowPercent, log: log.child({ part: 'encoder-load' }),
  });
  encoderLoad.start();
  const joinConference: JoinConference = async (params, route, signal) => {
    const leg = new ConferenceLeg({
      log: params.log, channel: connection, domain: config.component.domain, focusDomain: config.focusDomain, focusNick: config.focusNick,
      timeouts: { conferenceMs: config.joinTimeoutMs, joinMs: config.joinTimeoutMs, sessionMs: config.joinTimeoutMs, mediaMs: config.joinTimeoutMs },
      ...(opts.media !== undefined ? { media: opts.media } : {}),
      batchedDelivery: config.conferenceAudio.batchedDelivery,
    }, {
      roomJid: params.roomJid, nick: params.nick, displayName: params.displayName,
      ...(params.password !== undefined ? { password: params.password } : {}),
      ...(params.region !== undefined ? { region: params.region } : {}),
    });
    if (params.statusText !== undefined) leg.setStatus(params.statusText);
    route((s) => leg.handleStanza(s));
    // A phone that hangs up while its leg joins: the leg leaves, its join rejects with `closed`.
    const onAbort = (): void => void leg.leave();
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await leg.join();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return leg;
  };
  const parts: CallParts = {
    openPort: () => openPhoneAudioPort(phoneMedia, log),
    joinConference,
    createMixer: () => new ConferenceAudioMixer({ loudestTalkers: config.conferenceAudio.loudestTalkers }),
    createEncoder: () => new ConferenceFrameEncoder(encoderLoad),
    ticker: frameClock,
    prompts: new PromptPlayer({ ticker: frameClock, prompts }),
    pins: new FocusPinDirectory(connection, `${config.component.domain}/${config.nick}`, config.focusDomain),
    dtmfFromInfo: parseDtmfInfo,
    sipStatusOf: sipStatusFor,
  };
  let ua: SipUserAgent | undefined;
  try {
    ua = await SipUserAgent.start(sipUserAgentConfigOf(config), log);
    const agent = ua;
    const gateway = new SipGateway({ log, config, channel: connection, parts, placeCall: (req) => agent.call(req) });
    connection.events.on('stanza', (s) => gateway.handleStanza(s));
    connection.events.on('online', () => gateway.online());
    connection.events.on('offline', (reason) => gateway.offline(reason));
    agent.events.on('invite', (call) => gateway.handleInvite(call));
    await connection.start();
    log.info('sip gateway started', { domain: config.component.domain, brewery: config.breweryJid, nick: config.nick, sipPort: agent.port });
    let closing: Promise<void> | undefined;
    return {
      gateway, config, sipPort: agent.port, encoderLoad,
      close() {
        closing ??= (async () => {
          gateway.close();
          await agent.close();
          frameClock.stop();
          encoderLoad.stop();
          await connection.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await ua?.close();
    frameClock.stop();
    encoderLoad.stop();
    await connection.close();
    throw error;
  }
}
