import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { depConstraints, specDepConstraints } from './tools/lint/module-boundaries.mjs';

const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints: constraints },
];
const specFiles = ['**/*.spec.ts', '**/*.int-spec.ts'];

export default defineConfig(
  {
    // lint-fixtures hold code that must fail the boundary rule; tools/lint specs lint them on purpose.
    ignores: ['node_modules/', 'dist/', '.local/', 'coverage/', 'test-output/', '.nx/', '**/lint-fixtures/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @airis/config (DESIGN.md §7).' },
      ],
    },
  },
  {
    files: specFiles,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(specDepConstraints),
      // jest matchers and mocks are loosely typed by nature.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // The config module, the test harness and repo tooling are where the environment is read.
    files: ['libs/config/src/**', 'libs/testing/src/**', 'tools/**', ...specFiles],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
