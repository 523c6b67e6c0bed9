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
    ignores: ['**/node_modules/', '**/dist/', 'out/', '**/out/', 'docs/api/', 'packages/autograd/test/.tmp-docs/',
      'packages/backend-cpu/src/wasm/matmul_wasm.ts'],
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
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowArray: true, allowNullish: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
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
  {
    // Known findings not fixed yet, reported as warnings (so `pnpm lint` prints them) rather
    // than errors: these files are being rewritten on other branches (rnn/autograd refactor, new
    // ops). Common causes: Array.isArray narrows a readonly array to any[] (core's isList keeps
    // the type), `instanceof Map` gives Map<any, any>. Fix, then delete the file from this list;
    // a file not listed gets these rules as errors.
    files: [
      'packages/autograd/src/api.ts',
      'packages/autograd/src/check_grad.ts',
      'packages/autograd/src/optimizers/optimizer.ts',
      'packages/backend-webgl/bench/page.ts',
      'packages/rnn/src/cells/gru_sequence.ts',
      'packages/rnn/src/cells/lstm_sequence.ts',
      'packages/rnn/src/cells/multi.ts',
      'packages/rnn/src/nest.ts',
      'packages/rnn/src/raw_rnn.ts',
      'packages/rnn/src/static_rnn.ts',
      'packages/rnn/src/unroll.ts',
      'packages/rnn/test/nest.test.ts',
    ],
    rules: { '@typescript-eslint/no-base-to-string': 'warn', '@typescript-eslint/no-unnecessary-type-assertion': 'warn', '@typescript-eslint/no-unsafe-argument': 'warn', '@typescript-eslint/no-unsafe-assignment': 'warn', '@typescript-eslint/no-unsafe-call': 'warn', '@typescript-eslint/no-unsafe-member-access': 'warn', '@typescript-eslint/no-unsafe-return': 'warn' },
  },
  prettier,
);
