// Pieces of environment parsing every Puente service shares, so KAFKA_BROKERS, the country and
// the log level mean the same thing, with the same messages, in every process.
import { z } from 'zod';

export const kafkaBrokersSchema = z
  .string({ error: 'KAFKA_BROKERS is required: host:port[,host:port…] (the embedded mode is `pnpm start`)' })
  .transform((value) =>
    value
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean),
  )
  .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^\s:]+:\d+$/.test(b)), {
    message: 'KAFKA_BROKERS must be host:port[,host:port…]',
  });

export const countrySchema = z.enum(['US', 'MX'], { error: 'PUENTE_COUNTRY is required: US or MX' });

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export type LogLevel = z.infer<typeof logLevelSchema>;
