// Synthetic US and MX agencies publishing generated events through the gateway's gRPC port (the
// programme offices' trusted-traveller registries first, then cargo, travellers and cases, and
// now and then a pre-cleared truck whose MX twin gets it revoked), one printed line per accepted
// event and one per failure.
import {
  type AgencySimulator,
  createAgencySimulator,
  type PreClearedPairSchedule,
  type PublishedEvent,
  publisherTokens,
} from '@puente/simulators';

export interface AgenciesOptions {
  /** The gateway's address. */
  readonly address: string;
  /** Development tokens by name (publisher tokens are picked from them). */
  readonly tokens: ReadonlyMap<string, string>;
  readonly ratePerSecond: number;
  readonly seed: number;
  readonly print: (line: string) => void;
  readonly printError: (line: string) => void;
  /** When the demo pair of a revoked pre-clearance is published (default: the simulator's, about once a minute). */
  readonly preClearedPair?: PreClearedPairSchedule | false;
}

/** "US/CBP → us.cargo-manifests.v1 [2@17]", plus the watchlist variant the event carries, if any. */
export function publishedLine({ event, response }: PublishedEvent): string {
  const hit = event.watchlistHits[0];
  return `${event.publisher} → ${response.topic} [${response.partition}@${response.offset}]${hit ? `  (watchlist variant: ${hit.role} "${hit.name}")` : ''}`;
}

/** Creates the agencies and starts them publishing. */
export function startAgencies(options: AgenciesOptions): AgencySimulator {
  const { print, printError } = options;
  const agencies = createAgencySimulator({
    address: options.address,
    tokens: publisherTokens(options.tokens),
    ratePerSecond: options.ratePerSecond,
    seed: options.seed,
    ...(options.preClearedPair === undefined ? {} : { preClearedPair: options.preClearedPair }),
    onPublished: (published) => print(publishedLine(published)),
    onError: (error, event) => printError(`  publish to ${event?.topic ?? '(no event)'} failed: ${error.message}`),
  });
  agencies.start();
  return agencies;
}
