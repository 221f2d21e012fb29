// OperatorService over gRPC: read-only inspection of the bus for operators — topics, decoded
// records, subscription lag, policy explanations. Each RPC is a plain function of its own file
// (context, principal, request → response); this file only authenticates the call, runs the RPC
// and turns every error into a gRPC status through toServiceError.
import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { OperatorServiceServer } from '@puente/proto';

import { toServiceError } from '../errors.js';
import type { Principal } from '../identity.js';
import { browseRecords } from './browse-records.js';
import { operatorContext, type OperatorContext, type OperatorServiceDeps } from './context.js';
import { describeTopic } from './describe-topic.js';
import { explainPolicy } from './explain-policy.js';
import { getSubscriptionLag } from './get-subscription-lag.js';
import { listTopics } from './list-topics.js';

/** An RPC as a plain function; it checks the caller's role itself (see access.ts). */
export type OperatorRpc<Req, Res> = (context: OperatorContext, principal: Principal, request: Req) => Promise<Res>;

export function createOperatorService(deps: OperatorServiceDeps): OperatorServiceServer {
  const context = operatorContext(deps);

  /** Authenticates, runs the RPC; every error through toServiceError. */
  const unary =
    <Req, Res>(rpc: OperatorRpc<Req, Res>): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      void (async () => {
        let response: Res;
        try {
          const principal = deps.authenticator.authenticate(call);
          response = await rpc(context, principal, call.request);
        } catch (error) {
          callback(toServiceError(error));
          return;
        }
        callback(null, response);
      })();
    };

  return {
    listTopics: unary(listTopics),
    describeTopic: unary(describeTopic),
    browseRecords: unary(browseRecords),
    getSubscriptionLag: unary(getSubscriptionLag),
    explainPolicy: unary(explainPolicy),
  };
}
