import { readFile } from 'node:fs/promises';
import { errorResponse, textResponse } from '../http.js';

/** The package's built scripts the handler serves itself, located relative to the compiled `lib/server/routes/` module. */
const DIST = new URL('../../../dist/', import.meta.url);

/** The self-contained callback script of this package. */
export const CALLBACK_SCRIPT_URL = new URL('ce-connect-callback.js', DIST);

const cache = new Map<string, Promise<string>>();

/**
 * One built script of `dist/` (`ce-connect-callback.js`, `ce-connect.js`), read once. A missing file is not cached,
 * so building the package fixes a running server.
 */
export async function handleDistScript(file: 'ce-connect-callback.js' | 'ce-connect.js'): Promise<Response> {
  const url = new URL(file, DIST);
  if (!cache.has(file)) cache.set(file, readFile(url, 'utf8'));
  try {
    const source = await cache.get(file)!;
    return textResponse(200, source, 'text/javascript; charset=utf-8', { headers: { 'Cache-Control': 'no-cache' } });
  } catch {
    cache.delete(file);
    return errorResponse(500, `dist/${file} is missing: run "npm run build" in the ce-connect package`);
  }
}

/** `GET {basePath}/callback.js`: the package's built callback script. */
export function handleCallbackScript(): Promise<Response> {
  return handleDistScript('ce-connect-callback.js');
}
