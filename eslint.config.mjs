// ESLint: typescript-eslint's type-aware recommended rules (floating promises, unsafe any, ...)
// over the whole workspace, through one TypeScript program (tsconfig.eslint.json) so the types
// are built once. Formatting is Prettier's (`pnpm format`); eslint-config-prettier turns off
// the rules it would fight with. `pnpm lint` caches results, so a rerun checks changed files.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      'out/',
      '**/out/',
      'docs/api/',
      'packages/autograd/test/.tmp-docs/',
      'bench/.venv-native/', // pnpm bench native's Python environment (git-ignored)
      'packages/backend-cpu/src/wasm/matmul_wasm.ts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter an interface requires but this implementation does not use.
      // Error messages print shapes, counts and flags as they are: `${[2, 3]}` reads "2,3".
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowArray: true, allowNullish: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Plain JavaScript (build scripts) has no types to check against: syntax rules only.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // The CommonJS consumer test requires the packages on purpose.
    files: ['test/consumer/project/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // TypeScript itself reports undefined names, knowing the DOM and Node typings in use.
    files: ['**/*.{ts,mts,cts}'],
    rules: { 'no-undef': 'off' },
  },
  prettier,
);
