// ESLint for the workspace (flat config). TypeScript gets typescript-eslint's type-aware
// recommended rules through each package's tsconfig (project service); plain JavaScript (tests
// run by node --test, hardening, scripts, examples) gets ESLint's recommended rules. Layout and
// style are Prettier's job (scripts/format.sh), so no stylistic rules are enabled here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/prebuilds/**',
      'docs/api/**',
      'third_party/**',
      'hardening/corpus/**',
      'hardening/results/**',
    ],
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2024, globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.{ts,mts,cts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The hand-written declarations of the two CommonJS packages and of the shared test support
        // (scripts/test-support) have no tsconfig of their own.
        projectService: { allowDefaultProject: ['packages/*/index.d.ts', 'scripts/test-support/*.d.mts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An async function without await is how a fake or an interface method returns a Promise.
      '@typescript-eslint/require-await': 'off',
      // `NvencPhase | string` documents the known values while accepting others on purpose.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Error messages describe arbitrary (unknown) user values with String() on purpose.
      '@typescript-eslint/no-base-to-string': 'off',
      // A redundant assertion is harmless noise, not a defect.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: true,
          allowBoolean: true,
          allowNullish: true,
          allowNumber: true,
          allowRegExp: true,
          allowArray: true,
        },
      ],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON that the code under test printed and assert its shape at run time, and
    // destructure fixture helpers; the type-safety rules for `any` and methods add nothing there.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Helper scripts outside the packages' tsconfig (run by hand): checked without type information.
    files: ['packages/*/scripts/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The binding's surface is described in BINDING.md, not typed: `load()` returns `any` on purpose.
    files: ['packages/*/index.d.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] },
  },
);
