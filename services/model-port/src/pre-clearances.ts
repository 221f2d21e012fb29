// Each country's pre-clearance service, receiving the other country's screening results as a
// partner system would: through the embedded gateway's Subscribe, as the agreement's policy view,
// with the development subscriber token of its agency. Built once the gateway listens (its port
// may be chosen at start); decisions are counted for the summary.
import { credentials } from '@grpc/grpc-js';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { createGatewayPartnerFeed, createPreClearanceService, type PreClearanceService } from '@puente/risk';
import { COUNTRIES, type Country, type Logger } from '@puente/runtime';

import { countDecision, type LaneCounts } from './lanes.js';

/** The development subscriber each country's pre-clearance service signs in as. */
const SUBSCRIBER_TOKEN: Readonly<Record<Country, string>> = {
  US: 'dev-us-cbp-subscriber',
  MX: 'dev-mx-anam-subscriber',
};

export interface PreClearancesOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger: Logger;
  readonly lanes: LaneCounts;
}

export interface PreClearances {
  /** Starts both countries' services against the gateway at `address`, signed in with `tokens`. */
  start(address: string, tokens: ReadonlyMap<string, string>): Promise<void>;
  /** Stops what start() started, in reverse order. */
  stop(): Promise<void>;
}

export function createPreClearances(options: PreClearancesOptions): PreClearances {
  const { bus, codec, logger, lanes } = options;
  const started: PreClearanceService[] = [];
  return {
    async start(address, tokens) {
      for (const country of COUNTRIES) {
        const partner = country === 'US' ? 'mx' : 'us';
        const c = country.toLowerCase();
        const service = createPreClearanceService({
          bus,
          codec,
          country,
          logger,
          onDecision: (decision) => countDecision(lanes, decision),
          partnerFeed: createGatewayPartnerFeed({
            address,
            credentials: credentials.createInsecure(),
            token: tokens.get(SUBSCRIBER_TOKEN[country]),
            subscription: `puente-pre-clearance-${c}`,
            feeds: [`${partner}-to-${c}/${partner}.screening-results.v1`],
            logger,
          }),
        });
        await service.start();
        started.push(service);
      }
    },
    async stop() {
      for (const service of started.splice(0).reverse()) await service.stop();
    },
  };
}
