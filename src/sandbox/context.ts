import { readBodyText } from '../node/read-body.js';
import type { EventHub } from './events.js';
import type { ResolvedSandboxOptions } from './options.js';
import type { SandboxStore } from './store.js';

/** What the sandbox routes share; `options` is replaced as a whole by `configure()`. */
export interface SandboxContext {
  options: ResolvedSandboxOptions;
  readonly store: SandboxStore;
  readonly events: EventHub;
}

/** Reads a request body as text, up to 64 KB; `undefined` when it is larger or unreadable. */
export async function readLimitedText(request: Request): Promise<string | undefined> {
  try {
    return await readBodyText(request, 64 * 1024);
  } catch {
    return undefined;
  }
}

/** Parses JSON into a plain object; `undefined` for anything else. */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
