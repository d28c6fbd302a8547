export { createPinoLogger } from './pino-logger.ts';
export type { PinoLoggerOptions } from './pino-logger.ts';
export { f, loadConfig, describeConfig, ConfigError } from './config.ts';
export type { Field, SpecTree, ConfigOf, ConfigSources } from './config.ts';
export { runService } from './run-service.ts';
export type { StartedService } from './run-service.ts';
export { spawnReaped, killQuietly, freePort, freeUdpPort } from './child-processes.ts';
export type { ReapedProcess } from './child-processes.ts';
export { PACKET_PROCESS_NODE_FLAGS, limitsYoungGeneration } from './node-flags.ts';
