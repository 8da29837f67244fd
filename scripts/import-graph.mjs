// `npm run graph`: the import graph of src/ from the TypeScript compiler's own pre-processor, by layer, a check
// of the layering rules CONTRIBUTING.md's "Architecture" section states, and a check that no import circle exists
// (type-only imports count: a circle of types is still a knot to read). Exits non-zero when either fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(new URL('..', import.meta.url).pathname, 'src');
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });

/**
 * The layer of a module: the element (browser), the callback script, the server, the sandbox, the Node helpers
 * both of those use (node/), or the rules shared by all.
 */
const layer = (file) => {
  const path = relative(root, file);
  if (path.startsWith('server/')) return 'server';
  if (path.startsWith('sandbox/')) return 'sandbox';
  if (path.startsWith('node/')) return 'node';
  if (['elements.ts', 'protocol.ts', 'protocol-rules.ts', 'provider-answer.ts'].includes(path)) return 'shared';
  return path === 'callback.ts' ? 'callback' : 'browser';
};
// Who may import whom: browser code never reaches Node code; the server and the sandbox never reach into each
// other: what both need lives in node/ (Node helpers) or in the shared rules.
const allowed = {
  browser: ['browser', 'shared'],
  callback: ['shared'],
  shared: ['shared'],
  node: ['node', 'shared'],
  server: ['server', 'node', 'shared'],
  sandbox: ['sandbox', 'node', 'shared'],
};

let broken = 0;
const edges = new Map();
for (const file of files(root)) {
  const imports = [
    ...new Set(
      ts
        .preProcessFile(readFileSync(file, 'utf8'), true, true)
        .importedFiles.map(({ fileName }) => fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts'))),
    ),
  ];
  edges.set(
    relative(root, file),
    imports.map((target) => relative(root, target)),
  );
  for (const target of imports) {
    if (!allowed[layer(file)].includes(layer(target))) {
      broken += 1;
      console.error(
        `not allowed: ${relative(root, file)} (${layer(file)}) imports ${relative(root, target)} (${layer(target)})`,
      );
    }
  }
}
for (const name of ['browser', 'callback', 'shared', 'node', 'server', 'sandbox']) {
  console.log(`\n${name} (may import: ${allowed[name].join(', ')})`);
  for (const [file, targets] of edges)
    if (layer(join(root, file)) === name) console.log(`  ${file} → ${targets.join(', ') || '—'}`);
}

/** Every import circle, each printed once as the path that closes it (depth-first search, three colours). */
function findCycles(graph) {
  const cycles = [];
  const state = new Map(); // undefined: unvisited; 1: on the current path; 2: done
  const path = [];
  const visit = (file) => {
    state.set(file, 1);
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 1) cycles.push([...path.slice(path.indexOf(target)), target]);
      else if (state.get(target) === undefined) visit(target);
    }
    path.pop();
    state.set(file, 2);
  };
  for (const file of [...graph.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

const cycles = findCycles(edges);
for (const cycle of cycles) console.error(`import circle: ${cycle.join(' → ')}`);
console.log(broken ? `\n${broken} import(s) break the layering` : '\nlayering holds');
console.log(cycles.length ? `${cycles.length} import circle(s)` : 'no import circle');
process.exit(broken || cycles.length ? 1 : 0);
