export { SipUserAgent } from './user-agent.ts';
export type { SipUserAgentEvents } from './user-agent.ts';
export { defaultSipUserAgentConfig, MIN_SESSION_EXPIRES_SECONDS } from './config.ts';
export type { SipUserAgentConfig } from './config.ts';
export { SipError } from './sip-error.ts';
export type { CallEndReason, IncomingCall, OutgoingCallRequest, SipCall, SipCallEvents, SipParty } from './sip-call.ts';
