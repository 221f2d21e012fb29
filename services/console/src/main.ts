// The console as its own process: reads its settings, serves the console beside a running
// gateway, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
import process from 'node:process';

import { createLogger, stopOnSignals } from '@puente/runtime';

import { loadConsoleConfig } from './config.js';
import { createConsoleServer } from './create-console-server.js';

async function main(): Promise<void> {
  const config = loadConsoleConfig(process.env);
  const logger = createLogger({ name: 'puente-console', level: 'info' });
  const server = createConsoleServer({ ...config, logger });
  await server.start();
  if (server.build?.built) console.log(`Built the console's front end in ${server.build.ms} ms.`);
  console.log(`Puente console on ${server.url} (gateway ${config.gatewayAddress}); sign in with an operator's token.`);
  stopOnSignals(async () => {
    await server.stop();
  }, logger);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
