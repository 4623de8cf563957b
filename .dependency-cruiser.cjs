// The layering of lib/, checked by `npm run lint`: imports point down, never up or sideways.
//   composition (index, auth, options/, cli) → HTTP edge (http/) → core (core/) → primitives (tokens/, passwords/,
//   primitives/) → adapters (stores/, mailers/); presets/ beside the edge import only the core's result types;
//   errors.ts and logger.ts are the base everyone may use.
const layer = {
  composition: '^lib/(index|auth)\\.ts$|^lib/options/|^lib/cli/',
  edge: '^lib/http/',
  presets: '^lib/presets/',
  core: '^lib/core/',
  primitives: '^lib/(tokens|passwords|primitives)/',
  adapters: '^lib/(stores|mailers)/',
};

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Data flows one way: no module may reach itself again.',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'nothing-imports-composition',
      severity: 'error',
      comment: 'The composition root is the top: nothing below may import it.',
      from: { path: '^lib/', pathNot: layer.composition },
      to: { path: layer.composition },
    },
    {
      name: 'presets-import-core-results-only',
      severity: 'error',
      comment: "Presets sit beside the edge and format the core's results: they import only core/results (and errors).",
      from: { path: layer.presets },
      to: { path: '^lib/', pathNot: `^lib/core/results\\.ts$|^lib/errors\\.ts$|${layer.presets}` },
    },
    {
      name: 'edge-not-from-below',
      severity: 'error',
      comment: 'Only the composition root uses the HTTP edge.',
      from: { path: '^lib/', pathNot: `${layer.composition}|${layer.edge}` },
      to: { path: layer.edge },
    },
    {
      name: 'core-knows-no-http-or-presets',
      severity: 'error',
      comment: 'The core knows nothing of Express or wire formats.',
      from: { path: layer.core },
      to: { path: `${layer.edge}|${layer.presets}` },
    },
    {
      name: 'primitives-below-core',
      severity: 'error',
      comment: 'Primitives do not call up into the core, the edge or presets.',
      from: { path: layer.primitives },
      to: { path: `${layer.core}|${layer.edge}|${layer.presets}` },
    },
    {
      name: 'primitives-not-sideways',
      severity: 'error',
      comment: 'tokens/ and passwords/ are siblings: neither imports the other (both may use primitives/).',
      from: { path: '^lib/(tokens|passwords)/' },
      to: { path: '^lib/(tokens|passwords)/', pathNot: '^lib/$1/' },
    },
    {
      name: 'adapters-are-the-bottom',
      severity: 'error',
      comment: "Adapters import only the base, each other's types, and the clock.",
      from: { path: layer.adapters },
      to: { path: `${layer.core}|${layer.edge}|${layer.presets}|^lib/(tokens|passwords)/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^lib/.*\\.test\\.ts$' },
  },
};
