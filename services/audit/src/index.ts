// @puente/audit: the audit service of one country (disclosures → chained ledger, signed checkpoints).
export { createAuditService, type AuditService, type AuditServiceOptions, type AuditStats } from './audit-service.js';
export { ensureAuditTopics, type AuditTopicOptions } from './audit-topics.js';
export { CHECKPOINT_AGENCY, checkpointRecord } from './checkpoint-record.js';
export type { CheckpointCadence } from './checkpointer.js';
export { AUDIT_METRICS_PORTS, loadAuditConfig, type AuditConfig, type LedgerLocation } from './config.js';
export { decodeDisclosure, toDisclosureInput } from './disclosure-input.js';
export { AuditError, type AuditErrorCode } from './errors.js';
