// @plenum/sip-gateway: dial-in and dial-out for SIP phones (Jigasi's role).
export { sipGatewayConfigSpec, loadSipGatewayConfig } from './config.ts';
export type { SipGatewayConfig } from './config.ts';
export { GatewayError } from './errors.ts';
export type { GatewayErrorCode } from './errors.ts';
export { SipGateway } from './gateway/sip-gateway.ts';
export type { GatewayChannel, SipGatewayDeps } from './gateway/sip-gateway.ts';
export type { PhoneCall, CallState, PhoneCallEvents } from './gateway/phone-call.ts';
export type {
  CallParts, ConferenceJoinParams, ConferenceMixer, ConferenceSide, ConferenceSideEvents, FrameEncoder, FrameTicker, JoinConference,
  PinDirectory, PromptName, Prompts,
} from './gateway/ports.ts';
export { callerDisplayName, maskedNumber } from './gateway/caller-id.ts';
export type { CallerIdMode } from './gateway/caller-id.ts';
export { startSipGateway, sipUserAgentConfigOf, phoneMediaConfigOf } from './start.ts';
export type { StartSipGatewayOptions, RunningSipGateway } from './start.ts';
