// The JSX and template typings of <ce-connect-button>: the shared shapes, and each framework's table entry
// (handwritten declaration files, copied to lib/jsx/ by scripts/copy-declarations.mjs).
export type * from './attributes.js';
export type * from './preact.js';
export type * from './react.js';
export type * from './solid.js';
export type * from './vue.js';
