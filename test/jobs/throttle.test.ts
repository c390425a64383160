import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Throttle } from '../../src/jobs/throttle.ts';

test('a burst is cut to one value per interval, and flush() always sends the last value', async () => {
  const sent: number[] = [];
  const throttle = new Throttle<number>(10_000, async (v) => void sent.push(v));
  for (let i = 1; i <= 100; i++) throttle.push(i);
  await sleep(20);
  assert.deepEqual(sent, [1], 'only the first value of the burst goes out within the interval');
  await throttle.flush();
  assert.deepEqual(sent, [1, 100]);
  await throttle.flush();
  assert.deepEqual(sent, [1, 100], 'nothing held, nothing sent');
});

test('a held value goes out by itself when the interval is up, in order, without overlapping sends', async () => {
  const sent: number[] = [];
  let active = 0;
  const throttle = new Throttle<number>(30, async (v) => {
    active += 1;
    assert.equal(active, 1, 'sends overlap');
    await sleep(5);
    sent.push(v);
    active -= 1;
  });
  throttle.push(1);
  throttle.push(2);
  throttle.push(3);
  for (let i = 0; i < 400 && sent.length < 2; i++) await sleep(10);
  assert.deepEqual(sent, [1, 3]);
});
