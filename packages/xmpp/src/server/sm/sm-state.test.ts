import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { el } from '../../codec/index.ts';
import { SmState } from './sm-state.ts';
import { SM_MODULO } from '../../codec/index.ts';

const msg = (n: number) => el('message', { id: `m${n}` });

test('acks drop what they cover and keep the rest in order (XEP-0198 §4)', () => {
  const sm = new SmState('id', 100);
  for (let i = 1; i <= 5; i++) sm.sent(msg(i));
  assert.equal(sm.ack(2), { ok: true, acked: 2 });
  assert.equal(sm.pending().map((e) => e.attrs.id), ['m3', 'm4', 'm5']);
  assert.equal(sm.ack(2), { ok: true, acked: 0 }, 'a repeated ack changes nothing');
  assert.equal(sm.ack(5), { ok: true, acked: 3 });
  assert.is(sm.unacked, 0);
});

test('an ack for more than was sent is refused', () => {
  const sm = new SmState('id', 100);
  sm.sent(msg(1));
  assert.not.ok(sm.ack(2).ok);
  assert.is(sm.unacked, 1);
});

test('the inbound counter wraps at 2^32', () => {
  const sm = new SmState('id', 100);
  sm.inbound = SM_MODULO - 1;
  sm.received();
  assert.is(sm.inbound, 0);
});

test('the queue bound is reported, not silently exceeded', () => {
  const sm = new SmState(undefined, 2);
  assert.ok(sm.sent(msg(1)));
  assert.ok(sm.sent(msg(2)));
  assert.not.ok(sm.sent(msg(3)));
  assert.is(sm.isResumable, false);
});

test.run();
