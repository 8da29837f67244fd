// custom-elements.json, the Custom Elements Manifest of <ce-connect-button> (package.json `customElements`),
// generated from the element's JSDoc: `npm run manifest` writes it, `npm run manifest:check` (CI) fails when
// the committed file is not what the sources give. The plugin below tidies what the analyzer reads from our
// style of code: it names the tag (registered through the TAG_NAME constant), drops private members and the
// events it guessed from dispatchEvent calls (the `@fires` tags are the list), types each event with its class
// from events.ts, and points module paths at the shipped lib/*.js instead of src/*.ts.
export default {
  globs: ['src/define.ts', 'src/ce-connect-button.ts', 'src/events.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [tidyManifest()],
};

/** `src/x.ts` or `/src/x.js` → `lib/x.js`. */
const shipped = (path) => path.replace(/^\/?src\//, 'lib/').replace(/\.ts$/, '.js');

/** `connect-start` → `ConnectStartEvent`. */
const eventClass = (name) => name.replace(/(^|-)([a-z])/g, (_, __, letter) => letter.toUpperCase()) + 'Event';

function tidyManifest() {
  return {
    name: 'ce-connect-tidy-manifest',
    packageLinkPhase({ customElementsManifest }) {
      const modules = customElementsManifest.modules;
      const declarations = modules.flatMap((module) => module.declarations ?? []);
      const constant = (name) =>
        declarations.find((d) => d.kind === 'variable' && d.name === name)?.default?.match(/^['"](.*)['"]$/)?.[1];
      const exported = new Set(modules.flatMap((module) => (module.exports ?? []).map((e) => e.name)));

      for (const module of modules) {
        module.path = shipped(module.path);
        for (const entry of module.exports ?? []) {
          entry.declaration.module = shipped(entry.declaration.module);
          if (entry.kind === 'custom-element-definition') entry.name = constant(entry.name) ?? entry.name;
        }
        for (const declaration of module.declarations ?? []) {
          if (!declaration.customElement) continue;
          declaration.tagName = constant(declaration.tagName) ?? declaration.tagName;
          declaration.members = declaration.members?.filter(
            (member) => member.privacy !== 'private' && !member.name.startsWith('_'),
          );
          declaration.attributes = declaration.attributes?.filter((attribute) => !attribute.fieldName?.startsWith('_'));
          declaration.events = declaration.events
            ?.filter((event) => event.name && event.description)
            .map((event) =>
              exported.has(eventClass(event.name)) ? { ...event, type: { text: eventClass(event.name) } } : event,
            );
        }
      }
    },
  };
}
