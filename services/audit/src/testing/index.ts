// @puente/audit/testing: the audit service as other packages' tests run it.
export { startTestAudit, type TestAuditOptions } from './test-audit.js';
