// ESLint (flat config): typescript-eslint's type-checked rules on every package's and
// app's TypeScript (src and test, through each package's tsconfig.json), the
// recommended JavaScript rules on the repo's scripts, and Prettier's config last so
// formatting is Prettier's alone (`pnpm format:check`). `pnpm lint` runs this, Prettier
// and the import-boundary check (tools/lint-imports.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  prettier,
);
