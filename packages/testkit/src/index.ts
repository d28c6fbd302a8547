export { WireClient, errorCondition, rejection } from './wire-client.ts';
export { startTestServer, TEST_COMPONENT_SECRET } from './server.ts';
export { startProsody } from './prosody.ts';
export type { ProsodyOptions, RunningProsody } from './prosody.ts';
export { spawnReaped, freePort, answersXmpp, killQuietly } from './processes.ts';
export type { ReapedProcess } from './processes.ts';
export {
  startStack, assertNoLeakedHandles, bridgeHttpStats, bridgeInBrewery, focusUsesBridge, freeUdpPort, mergeValues, nextEvent, waitUntil,
} from './stack.ts';
export type { StackOptions, RunningStack, ConfigValues } from './stack.ts';
export { ColibriTap } from './colibri-tap.ts';
export type { ColibriExchange, ColibriReply } from './colibri-tap.ts';
export { ScriptedParticipant, cameraSources, screenSources, clientFeatures, PARTICIPANT_TRANSPORT } from './participant.ts';
export type { ParticipantOptions } from './participant.ts';
export { connectComponent } from './component-client.ts';
