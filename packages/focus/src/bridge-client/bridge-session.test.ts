import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '@plenum/kit';
import type { Colibri2Endpoint, ConferenceModified, ConferenceModify, IceUdpTransport } from '@plenum/xmpp/codec';
import type { BridgeAddress, BridgeControl, BridgeFailure } from '../ports.ts';
import { FocusError } from '../errors.ts';
import { bridgeFailureOf } from './colibri-bridge-control.ts';
import { endpointUpdate } from './colibri-requests.ts';
import { BridgeSession } from './bridge-session.ts';

/** A bridge whose answers the test gives, one request at a time. */
class FakeControl implements BridgeControl {
  readonly requests: { readonly request: ConferenceModify; resolve(m: ConferenceModified): void; reject(e: unknown): void }[] = [];
  modify(_bridge: BridgeAddress, request: ConferenceModify): Promise<ConferenceModified> {
    return new Promise((resolve, reject) => this.requests.push({ request, resolve, reject }));
  }
  /** What each request carried: `+id` allocate, `-id` expire, `~id` update; `!` conference create, `x` conference expire. */
  get log(): string[] {
    return this.requests.map(({ request: r }) => `${r.create === true ? '!' : ''}${r.expire === true ? 'x' : ''}${r.endpoints.map(tag).join(' ')}`);
  }
  /** Answers request i as the bridge does: a transport for every created endpoint, in reverse order. */
  answer(i: number): void {
    const r = this.requests[i]!;
    r.resolve({
      endpoints: r.request.endpoints.map((e) => ({ id: e.id, media: [], capabilities: [], ...(e.create === true ? { transport: { iceUdp: transport(e.id) } } : {}) })).reverse(),
      ...(r.request.create === true ? { sources: [] } : {}),
    });
  }
  refuse(i: number, cause: BridgeFailure): void {
    this.requests[i]!.reject(FocusError.bridgeFailed('refused', cause));
  }
}

const tag = (e: Colibri2Endpoint): string => `${e.expire === true ? '-' : e.create === true ? '+' : '~'}${e.id}`;
const transport = (id: string): IceUdpTransport => ({ ufrag: `u-${id}`, pwd: 'p', candidates: [], fingerprints: [] }) as unknown as IceUdpTransport;
const alloc = (id: string): Colibri2Endpoint => ({ id, create: true, media: [], transport: { iceControlling: true }, capabilities: ['source-names'] });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const setup = () => {
  const control = new FakeControl();
  const session = new BridgeSession({ control, log: silentLogger, requestTimeoutMs: 1000 }, { id: 'b1', jid: 'b1@x' }, 'm1', 'room@c');
  return { control, session };
};
const outcome = (p: Promise<{ transport: IceUdpTransport }>): Promise<string> =>
  p.then((a) => (a.transport as unknown as { ufrag: string }).ufrag, (e: unknown) => `failed ${JSON.stringify(bridgeFailureOf(e))}`);

test('allocations pending behind one in flight go out as one request; transports matched by endpoint id', async () => {
  const { control, session } = setup();
  const a = outcome(session.allocate(alloc('aaaa')));
  await settle();
  const rest = ['bbbb', 'cccc', 'dddd'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  assert.equal(control.log, ['!+aaaa'], 'the first allocation creates the conference alone');
  control.answer(0);
  await settle();
  assert.equal(control.log, ['!+aaaa', '+bbbb +cccc +dddd']);
  control.answer(1);
  assert.equal(await Promise.all([a, ...rest]), ['u-aaaa', 'u-bbbb', 'u-cccc', 'u-dddd']);
  assert.is(session.endpointCount, 4);
});

test('allocations asked for in the same turn share the creating request', async () => {
  const { control, session } = setup();
  const all = ['aaaa', 'bbbb'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  assert.equal(control.log, ['!+aaaa +bbbb']);
  control.answer(0);
  assert.equal(await Promise.all(all), ['u-aaaa', 'u-bbbb']);
});

test('an endpoint missing from the reply fails alone', async () => {
  const { control, session } = setup();
  const all = ['aaaa', 'bbbb'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  control.requests[0]!.resolve({ endpoints: [{ id: 'bbbb', media: [], capabilities: [], transport: { iceUdp: transport('bbbb') } }] });
  assert.equal(await Promise.all(all), ['failed {"kind":"error","condition":"bad-request"}', 'u-bbbb']);
  assert.is(session.endpointCount, 1);
});

test('a refused batch is retried one by one: only the refused endpoint fails, create stays on the first', async () => {
  const { control, session } = setup();
  const all = ['aaaa', 'bbbb', 'cccc'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  control.refuse(0, { kind: 'error', condition: 'conflict' });
  await settle();
  assert.equal(control.log, ['!+aaaa +bbbb +cccc', '!+aaaa']);
  const later = outcome(session.allocate(alloc('dddd')));
  control.answer(1);
  await settle();
  assert.equal(control.log.slice(2), ['+bbbb'], 'the split allocations go alone, before newer ones');
  control.refuse(2, { kind: 'error', condition: 'conflict' });
  await settle();
  control.answer(3);
  await settle();
  assert.equal(control.log.slice(3), ['+cccc', '+dddd']);
  control.answer(4);
  assert.equal(await Promise.all([...all, later]), ['u-aaaa', 'failed {"kind":"error","condition":"conflict"}', 'u-cccc', 'u-dddd']);
});

test('a batch that timed out or was refused for the conference fails every allocation, without retries', async () => {
  for (const cause of [{ kind: 'timeout' }, { kind: 'colibri', reason: 'GRACEFUL_SHUTDOWN' }, { kind: 'error', condition: 'service-unavailable' }] as const) {
    const { control, session } = setup();
    const all = ['aaaa', 'bbbb'].map((id) => outcome(session.allocate(alloc(id))));
    await settle();
    control.refuse(0, cause);
    const failed = `failed ${JSON.stringify(cause)}`;
    assert.equal(await Promise.all(all), [failed, failed]);
    assert.is(control.requests.length, 1);
    // The queue goes on: the next allocation creates the conference.
    const next = outcome(session.allocate(alloc('cccc')));
    await settle();
    assert.equal(control.log, ['!+aaaa +bbbb', '!+cccc']);
    control.answer(1);
    assert.is(await next, 'u-cccc');
  }
});

test('an expire stays behind its allocation; a re-allocation never overtakes an earlier request for its endpoint', async () => {
  const { control, session } = setup();
  const a = outcome(session.allocate(alloc('aaaa')));
  await settle();
  const b = outcome(session.allocate(alloc('bbbb')));
  const bExpired = session.expireEndpoint('bbbb');
  const aUpdated = session.update(endpointUpdate('aaaa', { transport: transport('aaaa') }));
  const b2 = outcome(session.allocate(alloc('bbbb')));
  const c = outcome(session.allocate(alloc('cccc')));
  const aExpired = session.expireEndpoint('aaaa');
  const d = outcome(session.allocate(alloc('dddd')));
  await settle();
  control.answer(0);
  await settle();
  assert.equal(control.log, ['!+aaaa', '+bbbb +cccc +dddd'], 'bbbb again waits for its expire');
  for (let i = 1; i < 6; i++) {
    control.answer(i);
    await settle();
  }
  assert.equal(control.log, ['!+aaaa', '+bbbb +cccc +dddd', '-bbbb', '~aaaa', '+bbbb', '-aaaa']);
  assert.equal(await Promise.all([a, b, b2, c, d]), ['u-aaaa', 'u-bbbb', 'u-bbbb', 'u-cccc', 'u-dddd']);
  assert.is(await bExpired, true);
  assert.is(await aExpired, true);
  await aUpdated;
  assert.is(session.endpointCount, 3);
});

test('nothing overtakes the conference expire', async () => {
  const { control, session } = setup();
  const a = outcome(session.allocate(alloc('aaaa')));
  await settle();
  const expired = session.expire();
  const b = outcome(session.allocate(alloc('bbbb')));
  control.answer(0);
  await settle();
  assert.equal(control.log, ['!+aaaa', 'x']);
  control.answer(1);
  await expired;
  assert.is(await a, 'u-aaaa');
  assert.is(await b, 'failed {"kind":"error","condition":"gone"}');
  assert.is(control.requests.length, 2);
});

test('updates pending behind a request go out as one request; two of one endpoint stay in order', async () => {
  const { control, session } = setup();
  const allocated = ['aaaa', 'bbbb', 'cccc'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  control.answer(0);
  await Promise.all(allocated);
  const first = session.update(endpointUpdate('aaaa', { transport: transport('aaaa') }));
  await settle();
  const rest = ['bbbb', 'aaaa', 'cccc', 'aaaa', 'zzzz'].map((id) => session.update(endpointUpdate(id, { transport: transport(id) })));
  await settle();
  assert.equal(control.log, ['!+aaaa +bbbb +cccc', '~aaaa']);
  control.answer(1);
  await settle();
  assert.equal(control.log.slice(2), ['~bbbb ~aaaa ~cccc'], 'zzzz was never allocated: nothing is sent for it');
  control.answer(2);
  await settle();
  assert.equal(control.log.slice(3), ['~aaaa']);
  control.answer(3);
  await Promise.all([first, ...rest]);
});

test('a refused batch of updates is retried one by one: only the endpoint the bridge does not know fails', async () => {
  const { control, session } = setup();
  const allocated = ['aaaa', 'bbbb', 'cccc'].map((id) => outcome(session.allocate(alloc(id))));
  await settle();
  const updates = ['aaaa', 'bbbb', 'cccc'].map((id) => session.update(endpointUpdate(id, { transport: transport(id) }))
    .then(() => 'updated', (e: unknown) => `failed ${JSON.stringify(bridgeFailureOf(e))}`));
  control.answer(0);
  await Promise.all(allocated);
  await settle();
  assert.equal(control.log.slice(1), ['~aaaa ~bbbb ~cccc']);
  control.refuse(1, { kind: 'colibri', reason: 'UNKNOWN_ENDPOINT' });
  await settle();
  control.answer(2);
  await settle();
  control.refuse(3, { kind: 'colibri', reason: 'UNKNOWN_ENDPOINT' });
  await settle();
  control.answer(4);
  assert.equal(control.log.slice(2), ['~aaaa', '~bbbb', '~cccc']);
  assert.equal(await Promise.all(updates), ['updated', 'failed {"kind":"colibri","reason":"UNKNOWN_ENDPOINT"}', 'updated']);
});

test.run();
