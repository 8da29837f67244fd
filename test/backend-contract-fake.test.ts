// The backend contract (test/support/backend-contract.ts) against the fake backend (test/support/fake-backend.mjs).
import { runBackendContractSuite } from './support/backend-contract.js';
import { mountButton } from './support/backend.js';

runBackendContractSuite({
  name: 'the fake backend',
  mount: (flow, decision, gates = []) =>
    mountButton(
      [flow === '4a' ? '4a' : '', decision, ...gates.map((step) => `gate-${step}`)].filter(Boolean).join(','),
    ),
});
