export { WireClient, errorCondition, rejection } from './wire-client.ts';
export { startTestServer, TEST_COMPONENT_SECRET } from './server.ts';
export { startProsody } from './prosody.ts';
export type { ProsodyOptions, RunningProsody } from './prosody.ts';
export { spawnReaped, freePort, answersXmpp, killQuietly } from './processes.ts';
export type { ReapedProcess } from './processes.ts';
