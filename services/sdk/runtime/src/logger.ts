// Structured logs: one JSON event per line through pino. Components take a Logger so tests can
// silence or capture them; nothing here ever logs a payload or a secret.
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly name: string;
  readonly level?: LevelWithSilent;
  /** Where lines go; defaults to stdout. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = { name: options.name, level: options.level ?? 'info', base: { service: options.name } };
  return options.destination
    ? pino(settings, options.destination as unknown as pino.DestinationStream)
    : pino(settings);
}

/** A logger that drops everything: the default for libraries whose host gave none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
