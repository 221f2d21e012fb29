// Lint for the whole workspace: typescript-eslint with type information, so floating
// promises and unsafe `any` flows are caught; formatting is prettier's job.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Plain JavaScript that a tsconfig type-checks (allowJs + checkJs): linted with the same typed
// rules as TypeScript. Other .js/.mjs (this file, tool configs) are in no project and stay out.
const typeCheckedJs = ['services/sdk/kafka-client/src/**/*.mjs', 'services/sdk/contracts/src/**/*.mjs'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      // Tool configuration in CommonJS (dependency-cruiser), not part of any TypeScript project.
      '.dependency-cruiser.cjs',
      ...typeCheckedJs.map((glob) => `!${glob}`),
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  // The core rules the compiler already covers (no-undef and the like) are off for TypeScript;
  // checkJs covers them in this JavaScript too.
  { ...tseslint.configs.eslintRecommended, files: typeCheckedJs },
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Handlers implement async interfaces; an async function without await is not a bug there.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@puente/*/src/*'],
              message: 'Import a package through its public API (src/index.ts), not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests walk decoded, dynamic data (views, JSON); type-safety rules for `any` get in the way there.
    files: ['**/*.test.ts', '**/testing/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
