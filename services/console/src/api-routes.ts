// The JSON API under /api/: one route per OperatorService RPC (and sign-in), each made with the
// signed-in operator's own token. Inputs are checked by api-input.ts, answers shaped by
// api-output.ts; errors become ConsoleError JSON in the server, in one place.
import { type ExplainPolicyRequest, TopicAccess } from '@puente/proto';
import { isCountry } from '@puente/runtime';

import {
  agreementsInput,
  disclosuresInput,
  explainInput,
  lagInput,
  recordsInput,
  topicInput,
  topicsInput,
  verifyInput,
  whoReceivedInput,
} from './api-input.js';
import { plainJson } from './api-output.js';
import { ConsoleError, badInput } from './errors.js';
import { type LagSampler, topicKey } from './lag-sampler.js';
import type { OperatorCalls } from './operator-calls.js';
import type { OperatorIdentity, Session } from './sessions.js';

export interface RouteContext {
  readonly session: Session;
  readonly calls: OperatorCalls;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export type Route = (context: RouteContext) => Promise<unknown>;

/** How many versions of one event id the simulator looks through for the newest (see originalOf). */
export const EVENT_VERSIONS_SCANNED = 500;

export function apiRoutes(sampler: LagSampler, options: { lagFreshMs: number }): Record<string, Route> {
  return {
    'GET /api/me': async ({ session }) => ({
      country: session.operator.country,
      expiresAt: new Date(session.expiresAt).toISOString(),
    }),

    'GET /api/topics': async ({ calls, query, session }) => {
      const answer = await calls.listTopics(topicsInput(query));
      const rates = sampler.rates(session.operator.country);
      return {
        topics: answer.topics.map((t) => ({
          ...(plainJson(t) as object),
          ratePerSecond: rates[topicKey(t.name, t.viewAgreementId)] ?? null,
        })),
      };
    },

    'GET /api/topic': async ({ calls, query }) => plainJson(await calls.describeTopic(topicInput(query))),

    'GET /api/records': async ({ calls, query }) => {
      if (query.has('raw') && query.get('view')) throw badInput('raw', 'cannot be combined with view');
      return plainJson(await calls.browseRecords(recordsInput(query)));
    },

    // The whole picture (no filter) comes from the sampler's latest sample while it is fresh: the
    // gateway's lag call reads every consumer group's offsets, and the page asks every 5 s.
    'GET /api/lag': async ({ calls, query, session }) => {
      const request = lagInput(query);
      const unfiltered =
        request.subscriber === undefined &&
        request.subscription === '' &&
        request.topic === '' &&
        request.consumerGroup === '';
      const country = session.operator.country;
      const answer =
        (unfiltered && sampler.latestLag(session, options.lagFreshMs)) || (await calls.getSubscriptionLag(request));
      return { ...(plainJson(answer) as object), history: sampler.history(country) };
    },

    'GET /api/agreements': async ({ calls, query }) => plainJson(await calls.listAgreements(agreementsInput(query))),

    // The simulator: one explanation per agreement that shares the topic from the operator's
    // country (or the one asked for), so each partner's view stands beside the original.
    'POST /api/explain': async ({ calls, body, session }) => {
      const { agreementId, ...request } = explainInput(body);
      const own = session.operator.country;
      const agreements = agreementId
        ? [agreementId]
        : (await calls.listAgreements({ topic: request.topic, recipientCountry: '' })).agreements
            .filter((a) => a.ownerCountry === own)
            .map((a) => a.agreementId);
      if (request.event?.$case === 'eventId' && !request.topic.startsWith(`${own.toLowerCase()}.`)) {
        // A stored event of another country would be read raw (the gateway refuses it too): the
        // simulator takes another country's events only pasted.
        throw new ConsoleError({
          code: 'FORBIDDEN',
          httpStatus: 403,
          reason: 'TOPIC_NOT_ALLOWED',
          message: `the simulator reads stored events of ${own} topics only; paste the event instead`,
        });
      }
      const original = await originalOf(calls, request);
      const explanations = [];
      for (const id of agreements) {
        const answer = await calls.explainPolicy({ ...request, target: { $case: 'agreementId', value: id } });
        explanations.push(...answer.explanations);
      }
      return { original, explanations: plainJson(explanations) };
    },

    'GET /api/ledger/verify': async ({ calls, query }) =>
      plainJson(await calls.verifyLedger(verifyInput(query)), 'disclosure'),
    'GET /api/ledger/who-received': async ({ calls, query }) =>
      plainJson(await calls.whoReceived(whoReceivedInput(query)), 'disclosure'),
    'GET /api/ledger/disclosures': async ({ calls, query }) =>
      plainJson(await calls.listDisclosures(disclosuresInput(query)), 'disclosure'),
  };
}

/**
 * The event as stored (own topic, raw) or as pasted, for the simulator's left column. An event id
 * republished has several records; ExplainPolicy explains the newest, and BrowseRecords answers
 * oldest first, so the last of the versions is the one to show.
 */
async function originalOf(calls: OperatorCalls, request: Omit<ExplainPolicyRequest, 'target'>): Promise<unknown> {
  const event = request.event;
  if (event?.$case === 'inline') return JSON.parse(Buffer.from(event.value.payload).toString('utf8')) as unknown;
  if (event?.$case !== 'eventId') return null;
  const answer = await calls.browseRecords({
    topic: request.topic,
    selector: { $case: 'eventId', value: event.value },
    limit: EVENT_VERSIONS_SCANNED,
    payloadFormat: request.viewFormat,
    viewAgreementId: '',
    pageToken: '',
  });
  const record = answer.records.at(-1);
  return record ? ((plainJson(record) as { payload?: unknown }).payload ?? null) : null;
}

/**
 * Who a token belongs to: it must be an operator's (the gateway answers ListTopics only for the
 * operator role), and its country is the origin of the topics it sees raw.
 */
export async function identify(calls: OperatorCalls): Promise<OperatorIdentity> {
  let topics;
  try {
    topics = (await calls.listTopics({ prefix: '' })).topics;
  } catch (error) {
    if (error instanceof ConsoleError && (error.code === 'NOT_SIGNED_IN' || error.code === 'FORBIDDEN')) {
      const notOperator = error.code === 'FORBIDDEN';
      throw new ConsoleError({
        code: 'SIGN_IN_REFUSED',
        httpStatus: 401,
        reason: notOperator ? 'NOT_OPERATOR' : 'TOKEN_UNKNOWN',
        message: notOperator
          ? 'this token is not an operator’s: the console is for the operator role only'
          : 'the gateway does not know this token (unknown or expired)',
        cause: error,
      });
    }
    throw error;
  }
  const own = topics.find((t) => t.access === TopicAccess.RAW && t.originCountry !== '')?.originCountry;
  if (!isCountry(own)) {
    throw new ConsoleError({
      code: 'SIGN_IN_REFUSED',
      httpStatus: 401,
      reason: 'NO_OWN_TOPICS',
      message: 'the gateway shows this operator no topic of its own country, so the console cannot tell its country',
    });
  }
  return { country: own };
}
