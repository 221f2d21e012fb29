// @puente/console: the operators' web console — its server (which calls the gateway's
// OperatorService with each signed-in operator's token) and its configuration.
export { createConsoleServer, type ConsoleServer, type ConsoleServerOptions } from './create-console-server.js';
export { loadConsoleConfig, type ConsoleConfig } from './config.js';
export { ensureWebBuild, buildIsStale, type BuildOutcome } from './assets.js';
