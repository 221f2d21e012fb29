// The OperatorService: `createOperatorService` for the gateway, and each RPC as a plain function
// of (context, principal, request) for callers and tests that need no gRPC server.
export { createOperatorService, type OperatorRpc } from './operator-service.js';
export {
  DEFAULT_BROWSE_LIMITS,
  DEFAULT_LEDGER_LIMITS,
  operatorContext,
  type BrowseLimits,
  type LedgerLimits,
  type OperatorContext,
  type OperatorServiceDeps,
} from './context.js';
export { browseRecords, OPERATOR_BROWSE_SUBSCRIPTION, type BrowseRecordsDeps } from './browse-records.js';
export { describeTopic, type DescribeTopicDeps } from './describe-topic.js';
export { explainPolicy, type ExplainPolicyDeps } from './explain-policy.js';
export { getSubscriptionLag, type GetSubscriptionLagDeps } from './get-subscription-lag.js';
export { listTopics, type ListTopicsDeps } from './list-topics.js';
export { listDisclosures, DISCLOSURE_PAGE, type ListDisclosuresDeps } from './list-disclosures.js';
export { verifyLedger, type VerifyLedgerDeps } from './verify-ledger.js';
export { whoReceived, type WhoReceivedDeps } from './who-received.js';
