export { startCluster } from './cluster.ts';
export type { ClusterOptions, ClusterProcess, RunningCluster } from './cluster.ts';
export { fetchStatus, renderStatus } from './status.ts';
export type { BridgeStatus, ClusterStatus, ConferenceStatus, GatewayStatus, RecorderStatus } from './status.ts';
export { parseRoutes, proxyUpgrade } from './upgrade-proxy.ts';
