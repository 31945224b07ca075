// Lint for the TypeScript sources, tests, benchmarks and scripts. The recommended sets plus the type-aware rules
// that catch real bugs in an async express/kysely code base (a forgotten await, a promise passed where a callback
// is expected); style is left to the formatter and to review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals for the plain JavaScript files (scripts, the mocha reporter); TypeScript files get them from @types/node.
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'require', 'module', '__dirname'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-output/**', 'bench/.work/**', 'wp-shim/**', 'templates/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function given where a void callback is expected (an express handler, an event listener)
      // rejects into nowhere.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Every control-character class here is deliberate: redirects, site paths and headers refuse control
      // characters, and the tests assert they are gone.
      'no-control-regex': 'off',
    },
  },
  {
    // kysely cannot type a query whose table or columns are chosen at run time (block and rollup sources, report
    // columns, the Ontraport mirror upsert), and a migration must not see today's schema types; these use
    // Kysely<any> on purpose. oidc-provider ships no types, and one store test writes kysely's own table.
    files: [
      'src/blocks/compile.ts',
      'src/blocks/records.repo.ts',
      'src/blocks/rollups.repo.ts',
      'src/ontraport/sync/mirror-repository.ts',
      'src/reports/report-queries.repo.ts',
      'src/store/migrate.ts',
      'src/store/migrations/**',
      'migration/**/migrations/**',
      'test/support/oidc-provider.ts',
      'test/store/store.test.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
