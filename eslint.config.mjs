// ESLint (flat config): typescript-eslint's type-checked rules on every package's and
// app's TypeScript (src and test, through each package's tsconfig.json), the
// recommended JavaScript rules on the repo's scripts, and Prettier's config last so
// formatting is Prettier's alone (`pnpm format:check`). `pnpm lint` runs this, Prettier
// and the import-boundary check (tools/lint-imports.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/.turbo/**',
      '**/results/**',
      '**/fixtures/**',
      'apps/demo4/out/**',
      'tools/reference/.venv/**',
      'docs/api/**',
      // The release rehearsal's consumer program: compiled against the published tarballs (not the workspace)
      // by tsc with its own tsconfig.node16/bundler.json, so the workspace's project service cannot type it.
      'tools/release/consumer/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // tfjs ops are generic in their result (`sum<T extends Tensor>(…): T`), so the idiom
      // `tf.sum(x) as tf.Scalar` drives inference and the rule would ask for `tf.sum<tf.Scalar>(x)`
      // at every op. Assertions to tfjs' tensor types are left alone; all others are checked.
      '@typescript-eslint/no-unnecessary-type-assertion': [
        'error',
        {
          typesToIgnore: [
            'tf.Tensor',
            'tf.Scalar',
            'tf.Tensor1D',
            'tf.Tensor2D',
            'tf.Tensor3D',
            'tf.Tensor4D',
            'tf.Tensor5D',
            'tf.Tensor[]',
            'tf.Tensor | tf.Tensor[]',
          ],
        },
      ],
      // `_name` marks a parameter an override or callback must accept and does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Scripts run by Node (tools, benchmarks, jest configs): Node's globals. CommonJS files also get
  // require/module/__dirname; ES modules get only what Node defines for every module.
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.nodeBuiltin } },
  },
  // The release rehearsal's browser check passes functions to Playwright that run in the page.
  {
    files: ['tools/release/e2e/browser.mjs'],
    languageOptions: { globals: { document: 'readonly' } },
  },
  prettier,
);
