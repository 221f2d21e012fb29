// One root config for the whole workspace: unit tests beside the code, integration tests
// (`*.integration.test.ts`) and cross-service tests in `tests/` against a real Kafka broker
// that the global setup acquires once for the run.
import { defineConfig } from 'vitest/config';

const integrationGlobs = [
  'services/**/src/**/*.integration.test.ts',
  'deploy/**/src/**/*.integration.test.ts',
  'tests/e2e/**/*.test.ts',
];

export default defineConfig({
  test: {
    reporters: process.env['CI'] ? ['default'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'services/**/src/**/*.test.ts',
            'deploy/**/src/**/*.test.ts',
            'proto/src/**/*.test.ts',
            'tests/support/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...integrationGlobs],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: integrationGlobs,
          exclude: ['**/node_modules/**'],
          globalSetup: ['tests/support/kafka-global-setup.ts'],
          // As in production (each service's main.ts): kafkajs with our one-pass record codec.
          setupFiles: ['tests/support/kafkajs-hooks-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One broker on a 2-core machine: files run one at a time so timings stay sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
