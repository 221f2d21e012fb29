// `@puente/cli` test helpers: run the command line in-process with captured output.
export { jsonLines, runPuente, type CliRun, type RunOptions } from './run-cli.js';
