// The backend contract (test/support/backend-contract.ts) against ce-connect/server in front of the sandbox
// (test/support/real-backend.mjs).
import { runBackendContractSuite } from './support/backend-contract.js';
import { mountOnRealBackend } from './support/backend.js';

runBackendContractSuite({
  name: 'ce-connect/server with the sandbox',
  mount: (flow, decision, gates = []) =>
    mountOnRealBackend(
      decision === 'deny' ? `${flow}-deny` : flow,
      gates.length ? gates.map((step) => `gate-${step}`).join(',') : '-',
    ),
});
