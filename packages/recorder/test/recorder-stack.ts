// What the recorder's integration tests run on: testkit's stack (XMPP server, focus, bridge) set up
// to admit the recorder's component and to treat it as a service, and a recorder connected to it
// with its media on loopback.
import type { Logger } from '@plenum/kit';
import type { RunningStack } from '@plenum/testkit';
import { startStack } from '@plenum/testkit';
import type { RunningRecorder } from '../src/index.ts';
import { startRecorder } from '../src/index.ts';

export const RECORDER_DOMAIN = 'recorder.plenum.localhost';
const SECRETS = { focus: 'f-secret', bridges: 'b-secret', recorder: 'r-secret' };

export function startRecorderTestStack(): Promise<RunningStack> {
  return startStack({
    server: { components: { secrets: [`focus.plenum.localhost=${SECRETS.focus}`, `*.bridge.plenum.localhost=${SECRETS.bridges}`, `${RECORDER_DOMAIN}=${SECRETS.recorder}`] } },
    focus: { component: { secret: SECRETS.focus }, moderation: { trustedServiceDomains: [RECORDER_DOMAIN] } },
    bridgeValues: () => ({ xmpp: { secret: SECRETS.bridges } }),
  });
}

/** A recorder on `stack` with these settings (output, composed, stream, log…) beside its component connection. */
export function startTestRecorder(stack: RunningStack, values: Record<string, unknown>, log?: Logger): Promise<RunningRecorder> {
  return startRecorder({
    values: { ...values, component: { port: stack.server.componentPort, secret: SECRETS.recorder } },
    ...(log !== undefined ? { log } : {}),
    media: { interfaceAddress: '127.0.0.1' },
  });
}
