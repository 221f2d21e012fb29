// The OperatorService RPCs as promises, each made with one operator's bearer token, so the
// gateway applies that operator's rules (own country raw, partners' data only as views).
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type {
  BrowseRecordsRequest,
  BrowseRecordsResponse,
  DescribeTopicRequest,
  DescribeTopicResponse,
  ExplainPolicyRequest,
  ExplainPolicyResponse,
  GetSubscriptionLagRequest,
  GetSubscriptionLagResponse,
  ListAgreementsRequest,
  ListAgreementsResponse,
  ListDisclosuresRequest,
  ListDisclosuresResponse,
  ListTopicsRequest,
  ListTopicsResponse,
  OperatorServiceClient,
  VerifyLedgerRequest,
  VerifyLedgerResponse,
  WhoReceivedRequest,
  WhoReceivedResponse,
} from '@puente/proto';

import { toConsoleError } from './errors.js';

export interface OperatorCalls {
  listTopics(request: ListTopicsRequest): Promise<ListTopicsResponse>;
  describeTopic(request: DescribeTopicRequest): Promise<DescribeTopicResponse>;
  browseRecords(request: BrowseRecordsRequest): Promise<BrowseRecordsResponse>;
  getSubscriptionLag(request: GetSubscriptionLagRequest): Promise<GetSubscriptionLagResponse>;
  explainPolicy(request: ExplainPolicyRequest): Promise<ExplainPolicyResponse>;
  verifyLedger(request: VerifyLedgerRequest): Promise<VerifyLedgerResponse>;
  whoReceived(request: WhoReceivedRequest): Promise<WhoReceivedResponse>;
  listDisclosures(request: ListDisclosuresRequest): Promise<ListDisclosuresResponse>;
  listAgreements(request: ListAgreementsRequest): Promise<ListAgreementsResponse>;
}

/** Calls longer than this are abandoned: a page never waits on a stuck gateway for long. */
const DEADLINE_MS = 15_000;

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

export function operatorCalls(client: OperatorServiceClient, token: string): OperatorCalls {
  const call =
    <Req, Res>(method: Unary<Req, Res>) =>
    (request: Req): Promise<Res> =>
      new Promise<Res>((resolve, reject) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        method(request, metadata, { deadline: new Date(Date.now() + DEADLINE_MS) }, (error, response) =>
          error ? reject(toConsoleError(error)) : resolve(response),
        );
      });
  return {
    listTopics: call(client.listTopics.bind(client)),
    describeTopic: call(client.describeTopic.bind(client)),
    browseRecords: call(client.browseRecords.bind(client)),
    getSubscriptionLag: call(client.getSubscriptionLag.bind(client)),
    explainPolicy: call(client.explainPolicy.bind(client)),
    verifyLedger: call(client.verifyLedger.bind(client)),
    whoReceived: call(client.whoReceived.bind(client)),
    listDisclosures: call(client.listDisclosures.bind(client)),
    listAgreements: call(client.listAgreements.bind(client)),
  };
}
