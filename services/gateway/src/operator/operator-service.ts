// OperatorService over gRPC: read-only inspection of the bus for operators — topics, decoded
// records, subscription lag, policy explanations — and queries of their country's disclosure
// ledger (verify, who received an event, disclosures). Each RPC is a plain function of its own file
// (context, principal, request → response); this file only hands each one to the gateway's one
// handler wrapper (grpc/handler.ts), which authenticates the call and turns every error into a
// gRPC status through toServiceError.
import type { handleUnaryCall } from '@grpc/grpc-js';
import type { OperatorServiceServer } from '@puente/proto';

import type { Principal } from '../auth/identity.js';
import { unaryHandler } from '../grpc/handler.js';
import { browseRecords } from './browse-records.js';
import { operatorContext, type OperatorContext, type OperatorServiceDeps } from './context.js';
import { describeTopic } from './describe-topic.js';
import { explainPolicy } from './explain-policy.js';
import { getSubscriptionLag } from './get-subscription-lag.js';
import { listAgreements } from './list-agreements.js';
import { listDisclosures } from './list-disclosures.js';
import { listTopics } from './list-topics.js';
import { verifyLedger } from './verify-ledger.js';
import { whoReceived } from './who-received.js';

/** An RPC as a plain function; it checks the caller's role itself (see access.ts). */
export type OperatorRpc<Req, Res> = (context: OperatorContext, principal: Principal, request: Req) => Promise<Res>;

export function createOperatorService(deps: OperatorServiceDeps): OperatorServiceServer {
  const context = operatorContext(deps);

  /** Authenticated by the shared wrapper; each RPC checks the operator role itself. */
  const unary = <Req, Res>(rpc: OperatorRpc<Req, Res>): handleUnaryCall<Req, Res> =>
    unaryHandler({ authenticator: deps.authenticator }, (principal, request: Req) => rpc(context, principal, request));

  return {
    listTopics: unary(listTopics),
    describeTopic: unary(describeTopic),
    browseRecords: unary(browseRecords),
    getSubscriptionLag: unary(getSubscriptionLag),
    explainPolicy: unary(explainPolicy),
    verifyLedger: unary(verifyLedger),
    whoReceived: unary(whoReceived),
    listDisclosures: unary(listDisclosures),
    listAgreements: unary(listAgreements),
  };
}
