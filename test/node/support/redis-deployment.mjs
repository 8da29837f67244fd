// For a `describe` that runs two server processes on one real redis-server (tools/): started before the suite,
// stopped after it, handed to the suite through `started`.
import { after, before } from 'node:test';
import { startDeployment } from '../../../tools/multi-process.mjs';
import { startRedis } from '../../../tools/redis-server.mjs';

/** Registers the suite's hooks; `started({ redis, deployment })` runs once both are up. */
export function redisDeploymentForSuite(started) {
  let running = {};
  before(async () => {
    const redis = await startRedis();
    running = { redis };
    running.deployment = await startDeployment({
      count: 2,
      store: 'redis',
      redisUrl: redis.url,
      redisTimeoutMs: 10_000,
    });
    started(running);
  });
  after(async () => {
    await running.deployment?.close();
    await running.redis?.stop();
  });
}
