/**
 * `ce-connect/sandbox`: an offline emulator of the Cloud Elements OAuth provisioning API and of the providers'
 * consent pages, faithful to the documented behaviour (see docs/sandbox.md), for demos and tests.
 */
export { createSandbox, SANDBOX_API_PATH, SANDBOX_CONTROL_PATH, type Sandbox, type SandboxRequest } from './sandbox.js';
export {
  sandboxCatalogue,
  findSandboxElement,
  sandboxHostConfig,
  SANDBOX_USERNAME,
  SANDBOX_PASSWORD,
  SANDBOX_JIRA_SITE,
  type SandboxAuth,
  type SandboxElement,
  type SiteRule,
  type SandboxHostConfig,
  type ConfigurationRequirement,
  type CredentialField,
} from './catalogue.js';
export type { SandboxChange, SandboxDelivery, SandboxEventResult } from './events.js';
export {
  DEFAULT_ORGANIZATION_SECRET,
  DEFAULT_USER_SECRET,
  type SandboxOptions,
  type SandboxScenario,
} from './options.js';
export type { SandboxInstance } from './store.js';
export type { SandboxListenOptions, SandboxServer } from './listen.js';
