import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderPrometheus } from './prometheus.ts';
import { RateMeter } from './rate-meter.ts';

test('HELP, TYPE, then samples; labels quoted and escaped; one trailing newline', () => {
  const text = renderPrometheus([
    { name: 'plenum_bridge_endpoints', help: 'Endpoints\nnow', type: 'gauge', samples: [{ value: 3 }] },
    { name: 'plenum_bridge_dropped_total', help: 'Drops', type: 'counter', samples: [{ labels: { reason: 'a"b\\c' }, value: 2 }, { labels: { reason: 'x' }, value: 0 }] },
  ]);
  assert.is(text, [
    '# HELP plenum_bridge_endpoints Endpoints\\nnow',
    '# TYPE plenum_bridge_endpoints gauge',
    'plenum_bridge_endpoints 3',
    '# HELP plenum_bridge_dropped_total Drops',
    '# TYPE plenum_bridge_dropped_total counter',
    'plenum_bridge_dropped_total{reason="a\\"b\\\\c"} 2',
    'plenum_bridge_dropped_total{reason="x"} 0',
    '',
  ].join('\n'));
});

test('invalid names and counters without _total are bugs', () => {
  assert.throws(() => renderPrometheus([{ name: 'bad-name', help: 'x', type: 'gauge', samples: [] }]), /invalid metric name/);
  assert.throws(() => renderPrometheus([{ name: 'plenum_x', help: 'x', type: 'counter', samples: [] }]), /_total/);
  assert.throws(() => renderPrometheus([{ name: 'plenum_x', help: 'x', type: 'gauge', samples: [{ labels: { 'a-b': '1' }, value: 1 }] }]), /label/);
});

test('RateMeter: per second over the last interval; 0 until two samples; never negative', () => {
  const m = new RateMeter(2);
  m.sample(1000, [10, 100]);
  assert.equal([m.rate(0), m.rate(1)], [0, 0]);
  m.sample(1500, [60, 100]);
  assert.equal([m.rate(0), m.rate(1)], [100, 0], '50 in half a second');
  m.sample(2500, [0, 400]);
  assert.equal([m.rate(0), m.rate(1)], [0, 300], 'a reset counter gives 0, not a negative rate');
});

test.run();
