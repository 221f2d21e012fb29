// The gateway as a process of its own for tests: `src/main.ts` run with tsx, configured as every
// such test needs it on the shared test broker (one node) with the development fixtures (tokens
// and the US–MX hash key), topics created at start and metrics on a free port.
import { fileURLToPath } from 'node:url';

import { testKafkaBrokers } from '@puente/bus/testing';
import { type ServiceProcess, startServiceProcess } from '@puente/runtime/testing';

import { DEV_TOKENS_FILE } from '../dev/dev-tokens.js';
import { readDevKeys } from '../dev/dev-wiring.js';

/** The gateway package's folder, where the process runs. */
export const GATEWAY_PROCESS_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Node's arguments that run the gateway's main.ts from `GATEWAY_PROCESS_DIR`. */
export const GATEWAY_PROCESS_ARGS: readonly string[] = ['--import', 'tsx', 'src/main.ts'];

/** The gateway's environment for a test, serving on 127.0.0.1:`port`; `overrides` win. */
export function testGatewayEnv(port: number, overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    PUENTE_GATEWAY_ADDRESS: `127.0.0.1:${port}`,
    PUENTE_DEV_TOKENS_FILE: DEV_TOKENS_FILE,
    PUENTE_HASH_KEY_US_MX: readDevKeys().get('PUENTE_HASH_KEY_US_MX') ?? '', // development fixture
    PUENTE_ENSURE_TOPICS_PARTITIONS: '3',
    // The test broker is a single node.
    PUENTE_AUDIT_REPLICATION_FACTOR: '1',
    PUENTE_AUDIT_MIN_INSYNC_REPLICAS: '1',
    PUENTE_METRICS_PORT: '0',
    ...overrides,
  };
}

/** Starts the gateway process on 127.0.0.1:`port`; resolves once it logs that it is ready. */
export function startGatewayProcess(
  port: number,
  overrides: Readonly<Record<string, string>> = {},
): Promise<ServiceProcess> {
  return startServiceProcess({
    command: process.execPath,
    args: GATEWAY_PROCESS_ARGS,
    cwd: GATEWAY_PROCESS_DIR,
    env: testGatewayEnv(port, overrides),
    ready: 'gateway ready',
  });
}
