// Type-level check run by `npm run typecheck`: node-redis clients (v6: a client, a cluster) fit createRedisStateStore.
import { createClient, createCluster } from 'redis';
import { createRedisStateStore } from '../../../src/server/redis.js';

export const store = createRedisStateStore(createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true }));
export const clusterStore = createRedisStateStore(createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }));
