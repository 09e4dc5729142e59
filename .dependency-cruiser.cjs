/**
 * dependency-cruiser options for `npm run lint:layers` (scripts/layers.mjs). Type-only imports
 * count (`tsPreCompilationDeps`): a type import is a dependency like any other. The layer order
 * itself lives in scripts/layers.mjs and docs/architecture.md ("Layers").
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'src-not-to-test',
      comment: 'Code under src/ never imports test/ (fakes and helpers are for tests and scripts only).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing file.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)src/http/public/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
      extensionAlias: { '.js': ['.ts', '.js'] },
    },
  },
};
