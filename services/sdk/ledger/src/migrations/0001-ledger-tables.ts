// The ledger's tables. A disclosure's field lists are stored once, in `disclosures`; each
// disclosed event is one row of `entries`, the hash chain (README.md, "Storage").
import type { LedgerMigration } from './context.js';

export const ledgerTables: LedgerMigration = {
  name: '0001-ledger-tables',
  async up({ tx, schema: s }) {
    await tx.query(`
      CREATE TABLE ${s}.head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        entry_count bigint NOT NULL,
        head_hash bytea,
        disclosure_count bigint NOT NULL
      )`);
    await tx.query(`INSERT INTO ${s}.head (entry_count, head_hash, disclosure_count) VALUES (0, NULL, 0)`);
    await tx.query(`
      CREATE TABLE ${s}.disclosures (
        disclosure_no bigint PRIMARY KEY,
        disclosure_id text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('DELIVERY', 'RETRACTION')),
        origin_country text NOT NULL,
        source_topic text NOT NULL,
        recipient_country text NOT NULL,
        recipient_agency text NOT NULL,
        recipient_subscription text NOT NULL,
        recipient_principal text NOT NULL,
        agreement_id text NOT NULL,
        agreement_version text NOT NULL,
        rule_id text NOT NULL,
        view_schema_id integer,
        declared_purposes text[] NOT NULL,
        fields_released text[] NOT NULL,
        fields_transformed jsonb NOT NULL,
        fields_removed text[] NOT NULL,
        delivered_at timestamptz NOT NULL,
        first_entry bigint NOT NULL,
        event_count integer NOT NULL
      )`);
    await tx.query(`CREATE INDEX disclosures_agreement ON ${s}.disclosures (agreement_id, first_entry)`);
    await tx.query(
      `CREATE INDEX disclosures_recipient ON ${s}.disclosures (recipient_country, recipient_agency, first_entry)`,
    );
    await tx.query(`CREATE INDEX disclosures_delivered_at ON ${s}.disclosures (delivered_at)`);
    // No foreign key to disclosures: verify() checks every entry's disclosure, and a key would
    // cost a lookup per appended row.
    await tx.query(`
      CREATE TABLE ${s}.entries (
        entry_no bigint PRIMARY KEY,
        disclosure_no bigint NOT NULL,
        event_id text NOT NULL,
        entity_id text NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL,
        supersedes text,
        digest bytea,
        previous_hash bytea NOT NULL,
        hash bytea NOT NULL
      )`);
    await tx.query(`CREATE INDEX entries_event_id ON ${s}.entries (event_id)`);
    await tx.query(`
      CREATE TABLE ${s}.positions (
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        PRIMARY KEY (topic, partition)
      )`);
  },
  async down({ tx, schema: s }) {
    await tx.query(`DROP TABLE ${s}.positions, ${s}.entries, ${s}.disclosures, ${s}.head`);
  },
};
