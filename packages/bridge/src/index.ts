// @plenum/bridge: the videobridge (COLIBRI2 over the brewery MUC, stats, health; the media transport).
export { startBridge, BRIDGE_VERSION } from './start.ts';
export type { StartBridgeOptions, RunningBridge, BridgeEvents } from './start.ts';
export type { MediaTransports } from './start.ts';
export type {
  EndpointTransport, EndpointTransportEvents, EndpointTransportStats, RtcpListener, RtpListener, SrtpProfileName, TransportFailure, TransportState,
} from './transport/endpoint-transport.ts';
export type { TransportManagerEvents, TransportStats } from './transport/transport-manager.ts';
export { bridgeConfigSpec, loadBridgeConfig } from './config.ts';
export type { BridgeConfig } from './config.ts';
export { BridgeError, BridgeErrors } from './errors.ts';
export type { BridgeErrorCode } from './errors.ts';
export type { AudioLevelSource, AudioLevelListener } from './speaker/speech-activity.ts';
export type { ForwardingCounters } from './forwarding/forwarding-loop.ts';
