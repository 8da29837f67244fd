// What the test backends saw, per test id (uid): request counts, the last state, and, for the real backend,
// the instances created and the provider's redirect back. Served at GET /api/stats/{uid} by fake-backend.mjs.
export function createStats() {
  const byUid = new Map();
  return {
    for(uid) {
      if (!byUid.has(uid))
        byUid.set(uid, {
          oauthUrl: 0,
          instances: 0,
          callback: 0,
          state: null,
          created: [],
          reconnected: [],
          deleted: [],
          providerRedirect: null,
          providerData: null,
        });
      return byUid.get(uid);
    },
  };
}
