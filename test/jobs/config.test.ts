import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_JOBS_CONFIG, jobsConfigFromEnv } from '../../src/jobs/index.ts';

test('job settings come from the environment, with defaults; a bad value is refused', () => {
  assert.deepEqual(jobsConfigFromEnv({}), DEFAULT_JOBS_CONFIG);
  const config = jobsConfigFromEnv({ RETOUCH_JOBS_MAX_CONCURRENT_PER_USER: '1', RETOUCH_JOBS_DAILY_QUOTA: '50', RETOUCH_JOBS_TIMEOUT_S: '60', RETOUCH_JOBS_TRAIN_TIMEOUT_S: '7200' });
  assert.deepEqual(config.limits, { maxConcurrentPerUser: 1, dailyQuotaPerUser: 50 });
  assert.deepEqual(config.timeoutMs, { generate: 60_000, edit: 60_000, invert: 60_000, train: 7_200_000 });
  assert.throws(() => jobsConfigFromEnv({ RETOUCH_JOBS_MAX_CONCURRENT_PER_USER: '0' }), /RETOUCH_JOBS_MAX_CONCURRENT_PER_USER/);
});
