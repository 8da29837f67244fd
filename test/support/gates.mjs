// Gates that hold a flow still while a test looks at it. A test names the steps to hold in its backend
// flags (`gate-url`, `gate-consent`, `gate-instances`, `gate-callback`); the backend or provider then parks
// that step's answer until the test releases it (POST /api/gate/{uid}/{step}). `GET /api/stats/{uid}`
// lists the steps parked right now (`waiting`), so a test can wait until a request really is held.
// A gate is a latch: once released, every later request of that step passes at once.

/** The steps a test can hold. */
export const GATE_STEPS = ['url', 'consent', 'instances', 'callback'];

export function createGates() {
  const gates = new Map(); // `${uid}/${step}` → { open, waiting, release }

  const gate = (uid, step) => {
    const key = `${uid}/${step}`;
    if (!gates.has(key)) {
      let release;
      const opened = new Promise((resolve) => (release = resolve));
      gates.set(key, { open: false, waiting: 0, opened, release });
    }
    return gates.get(key);
  };

  return {
    /** Parks until the test releases `step` for `uid`; returns at once once released. */
    async pass(uid, step) {
      const entry = gate(uid, step);
      if (entry.open) return;
      entry.waiting += 1;
      try {
        await entry.opened;
      } finally {
        entry.waiting -= 1;
      }
    },
    /** Opens the gate for good. */
    release(uid, step) {
      const entry = gate(uid, step);
      entry.open = true;
      entry.release();
    },
    /** The steps of `uid` with a request parked right now. */
    waiting(uid) {
      return GATE_STEPS.filter((step) => (gates.get(`${uid}/${step}`)?.waiting ?? 0) > 0);
    },
    /** Opens every gate (the server is stopping: nothing may hang). */
    releaseAll() {
      for (const entry of gates.values()) {
        entry.open = true;
        entry.release();
      }
    },
  };
}
