// `@puente/cli`: the command line as functions, for tests and for embedding it elsewhere.
export { createCli, runCli, type Cli } from './cli.js';
export type { CliIo } from './cli-io.js';
export { ExitCode, CliError } from './exit-codes.js';
export { resolveConnection, DEFAULT_ADDRESS, type Connection, type ConnectionFlags } from './config/connection.js';
export { catalogs, createMessages, langFromEnv, type Lang } from './i18n/messages.js';
