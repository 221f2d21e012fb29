// `pnpm start`: the model port in one process on the embedded MemoryBus, no Kafka needed.
// Reads its settings, builds and starts it, and on Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
import process from 'node:process';

import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { createLogger, stopOnSignals } from '@puente/runtime';

import { loadModelPortConfig } from './config.js';
import { startModelPort } from './model-port.js';

async function main(): Promise<void> {
  const config = loadModelPortConfig(process.env);
  const logger = createLogger({ name: 'puente', level: 'warn' });
  const bus = new MemoryBus();
  await bus.start();
  const codec = createCodec();
  const modelPort = await startModelPort({ bus, codec, logger, ...config, secret: (name) => process.env[name] });
  stopOnSignals(async () => {
    await modelPort.stop();
    await bus.stop();
    console.log('Puente stopped.');
  }, logger);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
