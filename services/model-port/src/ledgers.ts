// Each country's disclosure ledger for the embedded model port: one in-memory PGlite holding both
// countries' schemas (ledger_us, ledger_mx), and per country an audit service chaining the
// disclosures the gateway writes and signing checkpoints with the development keys.
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { type AuditService, createAuditService } from '@puente/audit';
import {
  type CheckpointPublicKeys,
  devCheckpointKey,
  devCheckpointPublicKeys,
  type LedgerReader,
  openEmbeddedDatabase,
  openLedger,
  type OpenedLedger,
  type SqlClient,
} from '@puente/ledger';
import { COUNTRIES, type Country, type Logger } from '@puente/runtime';

export interface EmbeddedLedgersOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger: Logger;
}

export interface EmbeddedLedgers {
  /** Filled by `open()`: handed to the gateway before it serves, read by it on every call. */
  readonly readers: Partial<Record<Country, LedgerReader>>;
  readonly checkpointKeys: CheckpointPublicKeys;
  /** Opens the database and migrates both ledgers (before the gateway starts). */
  open(): Promise<void>;
  /** Starts the audit services (after the gateway has created the disclosure topic). */
  start(): Promise<void>;
  /** Stops the audit services (each signs its head a last time), then closes the database. */
  stop(): Promise<void>;
}

export function createEmbeddedLedgers(options: EmbeddedLedgersOptions): EmbeddedLedgers {
  const readers: Partial<Record<Country, LedgerReader>> = {};
  let database: SqlClient | undefined;
  const stores: OpenedLedger[] = [];
  const services: AuditService[] = [];
  return {
    readers,
    checkpointKeys: devCheckpointPublicKeys(),

    async open() {
      database = await openEmbeddedDatabase();
      for (const country of COUNTRIES) {
        const store = await openLedger({ country, sql: database });
        stores.push(store);
        readers[country] = store;
      }
    },

    async start() {
      for (const store of stores) {
        const service = createAuditService({
          bus: options.bus,
          codec: options.codec,
          store,
          country: store.country,
          signingKey: devCheckpointKey(store.country),
          checkpointEvery: { entries: 1_000, ms: 10_000 },
          logger: options.logger,
          replicationFactor: 1,
        });
        await service.start();
        services.push(service);
      }
    },

    async stop() {
      for (const service of services.splice(0).reverse()) await service.stop();
      for (const store of stores.splice(0)) await store.close();
      await database?.close();
      database = undefined;
    },
  };
}
