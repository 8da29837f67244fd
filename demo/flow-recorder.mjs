// The demo's flow recorder: watches the host backend from outside — the requests the handler answers, the calls
// it makes to Cloud Elements (its `fetch` option) and the lines it logs (its `log` option) — and turns them into
// the three steps of the sequence picture (oauth/url, consent and callback, POST /instances) with their times.
// It observes by route path and log event name only, never the handler's internals, and what it hands out holds
// step names, times, statuses, a shortened state, the owner id and reasons: never a secret, code or token.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/** The step ids of each kind of flow, in order; the page draws them (demo/flow-steps.js). */
export const STEP_IDS = {
  oauth2: ['url', 'consent', 'instances'],
  oauth1: ['token', 'url', 'consent', 'instances'],
  credentials: ['url', 'form', 'instances'],
};

const KEPT_STATES = 200;
const KEPT_SESSIONS = 1000;

/** Why a step stopped, in words, from the handler's log events (`event` and its fields). */
function reasonOf({ event, fields }) {
  if (event === 'callback.provider-error')
    return `The provider answered error=${fields.error}: the user did not allow access.`;
  if (event === 'callback.rejected' || event === 'exchange.rejected')
    return `The state check refused the result: ${fields.reason}.`;
  if (event === 'oauth1.start-rejected') return `The backend refused to send this browser on: ${fields.reason}.`;
  if (event === 'credentials.rejected') return `The backend refused the form: ${fields.reason}.`;
  if (event === 'credentials.failed')
    return `Cloud Elements refused the values ${fields.attempts ?? ''} times: the flow ends.`;
  if (event === 'cloud-elements.failed') {
    const status = fields.status ? ` ${fields.status}` : '';
    const hint = fields.status === '401' || fields.status === '403' ? ' (a wrong key or secret?)' : '';
    return `Cloud Elements failed on ${fields.call}: ${fields.failure}${status}${hint}.`;
  }
  if (event === 'request.refused') return `The backend refused the request: ${fields.reason}.`;
  if (event === 'authorize.failed') return 'Nobody is signed in: the backend has no owner for this flow.';
  return undefined;
}

/** The lane where a flow stopped, by the log event that says why. */
function laneOf({ event }) {
  if (event === 'callback.provider-error') return 'provider';
  if (event === 'cloud-elements.failed') return 'ce';
  return 'backend';
}

/** `ce-connect event k=v k=v` → `{ event, fields }` (the handler's log line format). */
function parseLogLine(line) {
  const [, event = '', ...parts] = String(line).split(' ');
  const fields = {};
  for (const part of parts) {
    const index = part.indexOf('=');
    if (index > 0) fields[part.slice(0, index)] = part.slice(index + 1);
  }
  return { event, fields };
}

/** The first characters of a state: enough to match it by eye, useless to anyone else. */
export function shortState(state) {
  return typeof state === 'string' && state ? `${state.slice(0, 6)}…` : undefined;
}

/** The JSON `message` of an error response, read from a copy (the original still goes to the browser). */
async function messageOf(response) {
  try {
    const body = await response.clone().json();
    return typeof body?.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates a recorder. `now()` gives milliseconds (tests may inject a clock); `wallClock()` epoch milliseconds,
 * for the times the page sets against its click (`askedAt`, `consentAt`). Use `observe()` around the handler, pass
 * `fetch()` and `log()` to createConnectHandler, `callbackPage()` when the static callback page of flow 4b is
 * served, `consentPage()` when a provider's consent page is, and `latest()` / `subscribe()` to show an owner their
 * newest flow.
 */
export function createFlowRecorder({
  now = () => performance.now(),
  wallClock = () => Date.now(),
  basePath = '/api/ce',
  kindOf = () => 'oauth2',
} = {}) {
  const requests = new AsyncLocalStorage(); // the handler request being answered, for fetch() and log()
  const newest = new Map(); // browser session → its newest flow
  const byState = new Map(); // full state → flow (the newest few hundred)
  const byToken = new Map(); // OAuth 1 request token → flow (the provider's callback names no state of ours)
  const listeners = new Map(); // browser session → Set of callbacks
  let sequence = 0;

  function step(flow, id) {
    return flow.steps.find((s) => s.id === id);
  }

  function changed(flow) {
    for (const listener of listeners.get(flow.session) ?? []) listener(view(flow));
  }

  function remember(flow, state) {
    flow.state = state;
    byState.set(state, flow);
    if (byState.size > KEPT_STATES) byState.delete(byState.keys().next().value);
  }

  /** The public view of a flow: safe to send to its owner's page. */
  function view(flow) {
    if (!flow) return null;
    return {
      seq: flow.seq,
      element: flow.element,
      kind: flow.kind,
      owner: flow.owner,
      mode: flow.mode,
      reconnect: flow.reconnect,
      callback: flow.callback,
      state: shortState(flow.state),
      askedAt: flow.askedAt,
      ...(flow.consentAt !== undefined && { consentAt: flow.consentAt }),
      status: flow.steps.some((s) => s.status === 'failed')
        ? 'failed'
        : flow.steps.every((s) => s.status === 'done')
          ? 'done'
          : 'running',
      steps: flow.steps.map(({ id, status, ms, calls, checks, reason, stop, instanceId }) => ({
        id,
        status,
        ...(ms !== undefined && { ms: Math.round(ms) }),
        calls: [...calls],
        checks: [...checks],
        ...(reason && { reason }),
        ...(stop && { stop }),
        ...(instanceId && { instanceId }),
      })),
    };
  }

  function begin(flow, id) {
    const s = step(flow, id);
    s.status = 'running';
    s.started = now();
  }

  function finish(flow, id, status, extra = {}) {
    const s = step(flow, id);
    if (s.status === 'pending') s.started ??= now();
    Object.assign(s, { status, ms: now() - s.started }, extra);
    if (status === 'failed') for (const later of flow.steps.slice(flow.steps.indexOf(s) + 1)) later.status = 'skipped';
  }

  /** Why a request failed (`reason`) and on which lane (`stop`): from its log lines, else from its response. */
  async function failure(record, response) {
    const logged = record.logs.find((line) => reasonOf(line));
    if (logged) return { reason: reasonOf(logged), stop: laneOf(logged) };
    const message = response ? await messageOf(response) : undefined;
    return {
      reason: message ? `${response.status}: ${message}` : `The backend answered ${response?.status ?? 'nothing'}.`,
      stop: 'backend',
    };
  }

  /** The flow a callback or exchange belongs to, by its full state. */
  function flowOfState(state) {
    return typeof state === 'string' ? byState.get(state) : undefined;
  }

  /** After a callback or exchange request: the instance step, from the Cloud Elements call and log lines. */
  function settleInstances(flow, record, response) {
    const logs = record.logs;
    const created = logs.find((l) => l.event === 'instance.created' || l.event === 'instance.reconnected');
    const call = record.calls.find((c) => /^(POST|PUT) \/instances/.test(c.line));
    if (created) {
      return finish(flow, 'instances', 'done', {
        instanceId: created.fields.instanceId,
        ms: call?.ms ?? now() - step(flow, 'instances').started,
      });
    }
    if (call) {
      return finish(flow, 'instances', 'failed', {
        ms: call.ms,
        stop: 'ce',
        reason: `Cloud Elements answered ${call.status} to ${call.line}.`,
      });
    }
    return failure(record, response).then((why) => finish(flow, 'instances', 'failed', why));
  }

  /**
   * Runs `answer()` (the handler) for one request of browser session `session` (kept apart from other
   * browsers, even of the same user), whose user is `owner`, recording what it means for a flow.
   */
  async function observe(request, { session, owner }, answer) {
    const url = new URL(request.url);
    const path = url.pathname;
    const record = { logs: [], calls: [] };
    if (/\/oauth\/url$/.test(path)) return observeUrl(url, session, owner, record, answer);
    if (/\/oauth\/callback$/.test(path)) return observeCallback(url, owner, record, answer);
    if (/\/oauth1\/start$/.test(path)) return observeOAuth1Start(url, record, answer);
    if (/\/credentials$/.test(path)) return observeCredentials(request, url, owner, record, answer);
    if (path === `${basePath}/instances` && request.method === 'POST')
      return observeExchange(request, owner, record, answer);
    return answer();
  }

  async function observeUrl(url, session, owner, record, answer) {
    const element = path2element(url.pathname);
    const kind = Object.hasOwn(STEP_IDS, kindOf(element)) ? kindOf(element) : 'oauth2';
    const flow = {
      seq: ++sequence,
      session,
      owner: owner ?? null,
      element,
      kind,
      mode: url.searchParams.has('return') ? 'redirect' : 'popup',
      reconnect: url.searchParams.has('instance'),
      callback: undefined,
      state: undefined,
      askedAt: wallClock(),
      steps: STEP_IDS[kind].map((id) => ({ id, status: 'pending', calls: [], checks: [] })),
    };
    if (session) {
      newest.delete(session); // re-inserted last, so the oldest session is the first forgotten
      newest.set(session, flow);
      if (newest.size > KEPT_SESSIONS) newest.delete(newest.keys().next().value);
    }
    const first = kind === 'oauth1' ? 'token' : 'url';
    begin(flow, first);
    changed(flow);
    const response = await requests.run(record, answer);
    if (kind === 'oauth1') {
      // One request, two Cloud Elements calls: the request token first (its own step), then oauth/url with it.
      const token = record.calls.find((c) => /\/oauth\/token$/.test(c.line));
      const rest = record.calls.filter((c) => c !== token);
      step(flow, 'token').calls.push(...(token ? [`${token.line} → ${token.status}`] : []));
      step(flow, 'url').calls.push(...rest.map((c) => `${c.line} → ${c.status}`));
      if (!token || token.status !== 200) {
        finish(
          flow,
          'token',
          'failed',
          token
            ? { ms: token.ms, stop: 'ce', reason: `Cloud Elements answered ${token.status} to ${token.line}.` }
            : await failure(record, response),
        );
        changed(flow);
        return response;
      }
      finish(flow, 'token', 'done', { ms: token.ms });
      step(flow, 'token').checks.push('secret kept on the server');
      begin(flow, 'url');
      step(flow, 'url').started -= rest.reduce((sum, c) => sum + c.ms, 0);
    } else {
      step(flow, 'url').calls.push(...record.calls.map((c) => `${c.line} → ${c.status}`));
    }
    if (response.status === 200) {
      try {
        const state = (await response.clone().json())?.state;
        if (typeof state === 'string') remember(flow, state);
      } catch {
        // Not JSON: the step still counts, without a state to follow.
      }
      finish(flow, 'url', 'done');
      begin(flow, kind === 'credentials' ? 'form' : 'consent');
    } else {
      finish(flow, 'url', 'failed', await failure(record, response));
    }
    changed(flow);
    return response;
  }

  async function observeCallback(url, owner, record, answer) {
    // OAuth 1: Cloud Elements' state is the element key; the flow is the one of the request token.
    const token = url.searchParams.get('oauth_token') ?? url.searchParams.get('denied');
    const flow = flowOfState(url.searchParams.get('state')) ?? (token ? byToken.get(token) : undefined);
    if (!flow) return answer();
    flow.callback = 'server';
    const consent = step(flow, 'consent');
    consent.calls.push(
      flow.kind === 'oauth1'
        ? 'provider → GET callback route (oauth_token + oauth_verifier)'
        : 'provider → GET callback route (code + state)',
    );
    const arrived = now();
    begin(flow, 'instances');
    const response = await requests.run(record, answer);
    const refused = record.logs.find((l) => l.event === 'callback.provider-error' || l.event === 'callback.rejected');
    if (refused) {
      finish(flow, 'consent', 'failed', {
        ms: arrived - consent.started,
        reason: reasonOf(refused),
        stop: laneOf(refused),
      });
    } else {
      consent.checks.push(
        flow.kind === 'oauth1' ? 'oauth_token → flow ✓' : `state ${shortState(flow.state)} ✓`,
        ...(flow.kind === 'oauth1' ? ['flow cookie ✓'] : []),
        `owner ${owner ?? '?'} ✓`,
      );
      finish(flow, 'consent', 'done', { ms: arrived - consent.started });
      step(flow, 'instances').calls.push(...record.calls.map((c) => `${c.line} → ${c.status}`));
      await settleInstances(flow, record, response);
    }
    changed(flow);
    return response;
  }

  async function observeExchange(request, owner, record, answer) {
    let state;
    try {
      state = (await request.clone().json())?.state;
    } catch {
      // Not JSON: the handler answers it; there is no flow to follow.
    }
    const flow = flowOfState(state);
    if (!flow) return answer();
    begin(flow, 'instances');
    changed(flow);
    const response = await requests.run(record, answer);
    const s = step(flow, 'instances');
    s.calls.push(...record.calls.map((c) => `${c.line} → ${c.status}`));
    if (!record.logs.some((l) => l.event === 'exchange.rejected'))
      s.checks.push(`state ${shortState(flow.state)} ✓`, `owner ${owner ?? '?'} ✓`);
    await settleInstances(flow, record, response);
    changed(flow);
    return response;
  }

  /** `GET {element}/oauth1/start?state=…`: the backend sends the browser on to the provider with its request token. */
  async function observeOAuth1Start(url, record, answer) {
    const flow = flowOfState(url.searchParams.get('state'));
    const response = await requests.run(record, answer);
    if (!flow) return response;
    const location = response.headers.get('location');
    let token;
    try {
      token = location ? new URL(location).searchParams.get('oauth_token') : null;
    } catch {
      token = null;
    }
    if (token) {
      byToken.set(token, flow);
      if (byToken.size > KEPT_STATES) byToken.delete(byToken.keys().next().value);
      step(flow, 'consent').calls.push('backend → 303 to the provider (request token)');
    } else {
      const refused = record.logs.find((l) => reasonOf(l));
      finish(
        flow,
        'consent',
        'failed',
        refused ? { reason: reasonOf(refused), stop: laneOf(refused) } : await failure(record, response),
      );
    }
    changed(flow);
    return response;
  }

  /**
   * `GET|POST {element}/credentials?state=…`: the form shown (GET), then posted (POST): Cloud Elements refusing
   * the values shows the form again; accepted, the instance step ends as for a callback.
   */
  async function observeCredentials(request, url, owner, record, answer) {
    const flow = flowOfState(url.searchParams.get('state'));
    if (!flow) return answer();
    const form = step(flow, 'form');
    if (request.method !== 'POST') {
      flow.consentAt ??= wallClock();
      const response = await requests.run(record, answer);
      if (response.status === 200) form.calls.push('form page of the backend (no script, strict CSP)');
      else finish(flow, 'form', 'failed', await failure(record, response));
      changed(flow);
      return response;
    }
    const arrived = now();
    begin(flow, 'instances');
    const response = await requests.run(record, answer);
    const refused = record.logs.find((l) => l.event === 'credentials.refused');
    const rejected = record.logs.find((l) => l.event === 'credentials.rejected' || l.event === 'credentials.failed');
    const calls = record.calls.map((c) => `${c.line} → ${c.status}`);
    if (refused) {
      form.calls.push(
        `Cloud Elements refused the values (attempt ${refused.fields.attempts}): the form again`,
        ...calls,
      );
      step(flow, 'instances').status = 'pending';
    } else if (rejected && !record.calls.length) {
      finish(flow, 'form', 'failed', {
        ms: arrived - form.started,
        reason: reasonOf(rejected),
        stop: laneOf(rejected),
      });
    } else if (response.status === 422) {
      form.calls.push('a required field was empty: the form again');
      step(flow, 'instances').status = 'pending';
    } else {
      form.checks.push(`state ${shortState(flow.state)} ✓`, 'flow cookie ✓', `owner ${owner ?? '?'} ✓`);
      finish(flow, 'form', 'done', { ms: arrived - form.started });
      step(flow, 'instances').calls.push(...calls);
      await settleInstances(flow, record, response);
    }
    changed(flow);
    return response;
  }

  /** The static callback page of flow 4b was asked for: the provider answered (its code goes on to the page). */
  function callbackPage(url) {
    const flow = flowOfState(url.searchParams.get('state'));
    if (!flow) return;
    flow.callback = 'page';
    const consent = step(flow, 'consent');
    consent.calls.push('provider → GET /callback.html (code + state)');
    // The query is the provider's (or anyone's): only a short, plain error name goes on.
    const error = url.searchParams
      .get('error')
      ?.replace(/[^\w.-]/g, '?')
      .slice(0, 40);
    const denied = { event: 'callback.provider-error', fields: { error } };
    if (error) finish(flow, 'consent', 'failed', { reason: reasonOf(denied), stop: laneOf(denied) });
    else finish(flow, 'consent', 'done');
    changed(flow);
  }

  /**
   * A provider's consent page (the sandbox's, on its own origin) was asked for, with its `url`: the flow it is for
   * (by our state, or an OAuth 1 request token) gets the time, once, so its page can say how long after the click.
   */
  function consentPage(url) {
    const flow = flowOfState(url.searchParams.get('state')) ?? byToken.get(url.searchParams.get('oauth_token') ?? '');
    if (!flow || flow.consentAt !== undefined) return;
    flow.consentAt = wallClock();
    changed(flow);
  }

  return {
    observe,
    consentPage,
    /**
     * The handler's `fetch` option: times each Cloud Elements call of the request being answered, named by its
     * method and path below `baseUrl` (no query: that is where the secrets of oauth/url would travel).
     */
    fetch: (fetchImpl, baseUrl) => async (input, init) => {
      const record = requests.getStore();
      const started = now();
      const base = new URL(baseUrl).pathname.replace(/\/$/, '');
      const path = new URL(String(input)).pathname;
      const line = `${init?.method ?? 'GET'} ${path.startsWith(base) ? path.slice(base.length) : path}`;
      try {
        const response = await fetchImpl(input, init);
        record?.calls.push({ line, status: response.status, ms: now() - started });
        return response;
      } catch (error) {
        record?.calls.push({ line, status: 'no answer', ms: now() - started });
        throw error;
      }
    },
    /** Wraps the handler's `log` option: each line is also read for the request being answered. */
    log: (sink) => (line) => {
      const record = requests.getStore();
      record?.logs.push(parseLogLine(line));
      sink(line);
    },
    callbackPage,
    /** The newest flow of browser session `session`, as its page may see it, or null. */
    latest: (session) => view(newest.get(session)),
    /** Calls `listener(view)` whenever a flow of `session` changes; returns the unsubscribe function. */
    subscribe(session, listener) {
      if (!listeners.has(session)) listeners.set(session, new Set());
      listeners.get(session).add(listener);
      return () => {
        listeners.get(session)?.delete(listener);
        if (listeners.get(session)?.size === 0) listeners.delete(session);
      };
    },
  };
}

function path2element(path) {
  const parts = path.split('/');
  return decodeURIComponent(parts.at(-3) ?? '');
}
