export { WireClient, errorCondition, rejection } from './wire-client.ts';
export { startTestServer, TEST_COMPONENT_SECRET } from './server.ts';
