// The live sequence picture: an ordered list of the flow's steps, each drawn as SVG arrows between the four lanes
// (demo/flow-steps.js) and lit by its status as the server reports it (demo/flow-recorder.mjs), with its time,
// the checks of state and owner, what stays on a lane, and where and why a failed flow stopped. DOM APIs only:
// the page runs under Trusted Types, and every text from the server goes in as text.
import { LANES, stepsOf } from '/demo/flow-steps.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 400;
const ROW = 24;
const laneX = (id) => (LANES.findIndex((lane) => lane.id === id) + 0.5) * (WIDTH / LANES.length);

/** How many steps, in words, for the summary line. */
const STEP_COUNT = { 3: 'three', 4: 'four' };

/** What a step's status reads as. */
export const STATUS_TEXT = {
  pending: 'waiting',
  running: 'running…',
  done: 'done',
  failed: 'stopped',
  skipped: 'not reached',
};

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

function html(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

/** 42 ms, 3.2 s. */
export function formatTime(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A "stays here" badge: a stub towards the page, barred, and the label beside the lane. */
function keepBadge(keep, y) {
  const x = laneX(keep.lane);
  return svg(
    'g',
    { class: 'keep' },
    svg('line', { x1: x, y1: y, x2: x - 26, y2: y, class: 'keep-stub' }),
    svg('line', { x1: x - 26, y1: y - 6, x2: x - 26, y2: y + 6, class: 'keep-bar' }),
    svg('line', { x1: x - 34, y1: y - 4, x2: x - 42, y2: y + 4, class: 'keep-cross' }),
    svg('line', { x1: x - 42, y1: y - 4, x2: x - 34, y2: y + 4, class: 'keep-cross' }),
    svg('text', { x: x + 7, y: y + 4, class: 'keep-label' }, keep.label),
  );
}

/** The drawing of one step: the lanes, its arrows, its badges, and a cross where it stopped. */
function drawing(step, state) {
  const rows = step.arrows.length + step.keeps.length;
  const height = rows * ROW + 10;
  const marker = `arrowhead-${step.id}`;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, 'aria-hidden': 'true', focusable: 'false', class: 'step-svg' },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: marker,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'currentColor' }),
      ),
    ),
    ...LANES.map((lane) =>
      svg('line', { x1: laneX(lane.id), y1: 0, x2: laneX(lane.id), y2: height, class: 'lane-line' }),
    ),
  );
  step.arrows.forEach((arrow, index) => {
    const y = index * ROW + 20;
    const [x1, x2] = [laneX(arrow.from), laneX(arrow.to)];
    const inset = x2 > x1 ? -4 : 4;
    picture.append(
      svg('line', {
        x1,
        y1: y,
        x2: x2 + inset,
        y2: y,
        class: `arrow${arrow.back ? ' back' : ''}`,
        'marker-end': `url(#${marker})`,
      }),
      svg('text', { x: (x1 + x2) / 2, y: y - 5, class: 'arrow-label', 'text-anchor': 'middle' }, arrow.label),
    );
  });
  step.keeps.forEach((keep, index) => picture.append(keepBadge(keep, (step.arrows.length + index) * ROW + 20)));
  if (state.status === 'failed') {
    const x = laneX(state.stop ?? 'page');
    const y = height / 2;
    picture.append(
      svg(
        'g',
        { class: 'stop' },
        svg('circle', { cx: x, cy: y, r: 9 }),
        svg('line', { x1: x - 4, y1: y - 4, x2: x + 4, y2: y + 4 }),
        svg('line', { x1: x + 4, y1: y - 4, x2: x - 4, y2: y + 4 }),
      ),
    );
  }
  return picture;
}

/**
 * `view` with its first step that is not done marked as stopped on the page for `reason`, and the later ones
 * not reached: a flow the page saw end (a blocked popup, a popup closed) where the server saw nothing more.
 */
export function stoppedOnPage(view, reason, flow) {
  let stopped = false;
  const steps = stepsOf({ ...view, flow }).map(({ id }) => {
    const known = view.steps.find((step) => step.id === id) ?? { id, calls: [], checks: [] };
    if (known.status === 'done') return known;
    if (stopped) return { ...known, status: 'skipped' };
    stopped = true;
    return { ...known, status: 'failed', stop: 'page', reason };
  });
  return { ...view, steps };
}

/**
 * Creates the picture in `list` (an <ol>) with the lane headers in `lanes` and a one-line live summary in
 * `summary`. `flow` is the demo's callback flow ('4a' or '4b'). Returns `show(view)`; `view` is the server's
 * flow view or one the page made (a flow that never reached the server).
 */
export function createFlowPicture({ list, lanes, summary, flow }) {
  lanes.replaceChildren(...LANES.map((lane) => html('span', `lane lane-${lane.id}`, lane.label)));
  let seq;
  let lit = new Map(); // step id → the order in which it turned done, for this flow

  function show(view) {
    if (!view) return;
    if (view.seq !== seq) {
      seq = view.seq;
      lit = new Map();
    }
    const steps = stepsOf({ ...view, flow });
    const states = new Map(view.steps.map((state) => [state.id, state]));
    list.replaceChildren(
      ...steps.map((step, index) => {
        const state = states.get(step.id) ?? { status: 'pending', calls: [], checks: [] };
        if (state.status === 'done' && !lit.has(step.id)) lit.set(step.id, lit.size + 1);
        const item = html(
          'li',
          'step',
          html(
            'div',
            'step-head',
            html('span', 'step-no', String(index + 1)),
            html('span', 'step-title', step.title),
            html('span', 'step-status', STATUS_TEXT[state.status] ?? state.status),
            html('span', 'step-time', state.ms === undefined ? '' : formatTime(state.ms)),
          ),
          drawing(step, state),
          html('p', 'step-summary', step.summary),
        );
        const facts = [...(state.checks ?? []), ...(state.instanceId ? [`instance ${state.instanceId}`] : [])];
        if (facts.length) item.append(html('p', 'step-checks', facts.join(' · ')));
        if (state.calls?.length) item.append(html('p', 'step-calls', state.calls.join(' · ')));
        if (state.reason) item.append(html('p', 'step-reason', state.reason));
        item.dataset.step = step.id;
        item.dataset.status = state.status;
        if (lit.has(step.id)) item.dataset.lit = String(lit.get(step.id));
        item.tabIndex = 0;
        return item;
      }),
    );
    if (view.steps.length === 0) {
      summary.textContent = 'Click a button: the three steps light up as the flow runs, with their times.';
      list.dataset.flow = 'idle';
      list.dataset.status = 'idle';
      return;
    }
    const failed = view.steps.find((state) => state.status === 'failed');
    const who = [
      view.element,
      view.mode,
      view.reconnect ? 'reconnect' : '',
      view.state ? `state ${view.state}` : '',
      view.owner ? `owner ${view.owner}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    summary.textContent = failed
      ? `Stopped at step ${steps.findIndex((s) => s.id === failed.id) + 1}: ${failed.reason ?? 'failed'} (${who})`
      : view.steps.every((state) => state.status === 'done')
        ? `Connected in ${STEP_COUNT[steps.length] ?? steps.length} steps (${who}).`
        : `In progress (${who}).`;
    list.dataset.flow = String(view.seq ?? 'page');
    list.dataset.status = failed ? 'failed' : summary.textContent.startsWith('Connected') ? 'done' : 'running';
  }

  return { show };
}
