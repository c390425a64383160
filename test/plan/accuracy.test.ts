import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELLED } from './instructions.ts';
import { report, scoreSet } from './scoring.ts';

test('the labelled instruction set: method family and key arguments ≥ 95%', () => {
  assert.ok(LABELLED.length >= 300, `the labelled set has ${LABELLED.length} cases`);
  const s = scoreSet(LABELLED);
  report('labelled set', s);
  const pct = (k: number) => `${((100 * k) / s.n).toFixed(1)}%`;
  assert.ok(s.family / s.n >= 0.95, `method-family accuracy ${pct(s.family)} < 95%`);
  assert.ok(s.args / s.n >= 0.95, `key-argument accuracy ${pct(s.args)} < 95%`);
});
