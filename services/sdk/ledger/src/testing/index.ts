// @puente/ledger/testing: isolated ledgers per test on PostgreSQL and PGlite, and disclosures.
export {
  openTestLedger,
  testDatabaseUrl,
  type TestLedger,
  type TestLedgerKind,
  uniqueLedgerSchema,
} from './test-ledger.js';
export { makeDisclosure, makeDisclosures, MANIFEST_FIELD_PATHS, type DisclosureOptions } from './disclosures.js';
