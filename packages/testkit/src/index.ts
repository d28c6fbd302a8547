export { WireClient, errorCondition, rejection } from './wire-client.ts';
export { startTestServer, TEST_COMPONENT_SECRET } from './server.ts';
export { startProsody } from './prosody.ts';
export type { ProsodyOptions, RunningProsody } from './prosody.ts';
// Re-exported for tests: the process and port helpers live in @plenum/kit/node, the XMPP probe in @plenum/xmpp/component.
export { spawnReaped, freePort, freeUdpPort, killQuietly } from '@plenum/kit/node';
export type { ReapedProcess } from '@plenum/kit/node';
export { answersXmpp } from '@plenum/xmpp/component';
export {
  startStack, assertNoLeakedHandles, bridgeHttpStats, bridgeInBrewery, focusUsesBridge, mergeValues, nextEvent, waitUntil,
} from './stack.ts';
export type { StackOptions, RunningStack, ConfigValues } from './stack.ts';
export { ColibriTap } from './colibri-tap.ts';
export type { ColibriExchange, ColibriReply } from './colibri-tap.ts';
export { ScriptedParticipant, cameraSources, screenSources, clientFeatures, PARTICIPANT_TRANSPORT } from './participant.ts';
export type { ParticipantOptions } from './participant.ts';
export { connectComponent } from './component-client.ts';
