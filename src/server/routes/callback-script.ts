import { readFile } from 'node:fs/promises';
import { errorResponse, textResponse } from '../http.js';

/** The self-contained callback script of this package, located relative to the compiled `lib/server/routes/` module. */
export const CALLBACK_SCRIPT_URL = new URL('../../../dist/ce-connect-callback.js', import.meta.url);

let cached: Promise<string> | undefined;

/**
 * `GET {basePath}/callback.js`: the package's built callback script, read once. A missing file is not cached,
 * so building the package fixes a running server.
 */
export async function handleCallbackScript(): Promise<Response> {
  cached ??= readFile(CALLBACK_SCRIPT_URL, 'utf8');
  try {
    const source = await cached;
    return textResponse(200, source, 'text/javascript; charset=utf-8', { headers: { 'Cache-Control': 'no-cache' } });
  } catch {
    cached = undefined;
    return errorResponse(500, 'dist/ce-connect-callback.js is missing: run "npm run build" in the ce-connect package');
  }
}
