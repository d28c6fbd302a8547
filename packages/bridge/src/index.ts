// @plenum/bridge: the videobridge's control plane (COLIBRI2 over the brewery MUC, stats, health).
export { startBridge, BRIDGE_VERSION } from './start.ts';
export type { StartBridgeOptions, RunningBridge, BridgeEvents } from './start.ts';
export { bridgeConfigSpec, loadBridgeConfig } from './config.ts';
export type { BridgeConfig } from './config.ts';
export { BridgeError, BridgeErrors } from './errors.ts';
export type { BridgeErrorCode } from './errors.ts';
