// `pnpm --filter @puente/simulators simulate`: synthetic US and MX agencies publishing to a running
// gateway, and MX/ANAM and US/CBP partner systems printing what their agreements let them see.
// Ctrl-C stops.
import { readDevTokens } from '@puente/gateway/dev';

import { createAgencySimulator } from './agency-simulator.js';
import { loadSimulatorConfig, publisherTokens } from './config.js';
import { createPartnerSimulator, type PartnerSimulator } from './partner-simulator.js';

async function main(): Promise<void> {
  const config = loadSimulatorConfig(process.env);
  const tokens = readDevTokens(config.tokensFile);
  const agencies = createAgencySimulator({
    address: config.gatewayAddress,
    tokens: publisherTokens(tokens),
    ratePerSecond: config.ratePerSecond,
    seed: config.seed,
    generator: { watchlistHitRate: config.watchlistHitRate },
    onPublished: ({ event, response }) => {
      const hit = event.watchlistHits[0];
      console.log(
        `${event.publisher} → ${response.topic} [${response.partition}@${response.offset}] ${event.key}${hit ? `  (deliberate watchlist variant: ${hit.role} "${hit.name}" ~ ${hit.entryId})` : ''}`,
      );
    },
    onError: (error) => console.error(`  ${error.message}`),
  });

  const partners: PartnerSimulator[] = [];
  if (config.partners) {
    for (const [name, label] of [
      ['dev-mx-anam-subscriber', 'MX/ANAM'],
      ['dev-us-cbp-subscriber', 'US/CBP'],
    ] as const) {
      const token = tokens.get(name);
      if (!token) {
        console.error(`  no token ${name} in ${config.tokensFile}; ${label} partner not started`);
        continue;
      }
      partners.push(
        createPartnerSimulator({
          address: config.gatewayAddress,
          token,
          label,
          subscription: 'simulator',
          onError: (error) => console.error(`  ${error.message}`),
        }),
      );
    }
  }

  console.log(`Puente simulators → gateway ${config.gatewayAddress}
  agencies  ${agencies.publishing.join(', ')} at ${config.ratePerSecond} events/s (seed ${config.seed}, ${Math.round(config.watchlistHitRate * 100)} % deliberate watchlist variants)`);
  console.log(
    "  offices   CBP Trusted Traveler Programs and INM publish their trusted-traveller registries first; about once a minute a pre-cleared truck is followed by ANAM's manifest of the same trip, whose consignee is on MX's watchlist",
  );
  for (const { kind, publisher } of agencies.skippedKinds)
    console.log(`  skipped   ${kind}: no publisher token for ${publisher} in ${config.tokensFile}`);
  console.log(`  partners  ${config.partners ? 'MX/ANAM and US/CBP print what they receive' : 'off'}. Ctrl-C stops.\n`);

  for (const partner of partners) partner.start();
  agencies.start();

  const stop = async () => {
    await agencies.stop();
    for (const partner of partners.reverse()) await partner.stop();
    const s = agencies.stats();
    console.log(
      `Simulators stopped: ${s.published} published (${s.watchlistHits} with a deliberate watchlist variant, ${s.registryStatuses} registry statuses, ${s.preClearedPairs} pre-cleared pairs), ${s.failed} failed; partners received ${partners.map((p) => p.stats().received).join(' / ') || 0}.`,
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
