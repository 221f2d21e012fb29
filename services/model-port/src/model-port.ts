// The model port in one process on a shared Bus: the gateway, screening and risk management for
// both countries, each country's disclosure ledger with its audit service, synthetic US and MX
// agencies publishing through the gateway's gRPC port as real clients would, and partner
// subscribers printing the policy views they receive. Each part is built beside this file
// (dev-gateway.ts, ledgers.ts, country-services.ts, partners.ts, agencies.ts, summary.ts), and the
// operators' web console beside the gateway (operator-console.ts); this file owns the order they
// start in and stop in.
import type { Bus } from '@puente/bus';
import type { ConsoleServer } from '@puente/console';
import type { AvroCodec } from '@puente/contracts';
import { readDevKeys, readDevTokens } from '@puente/gateway/dev';
import { type Logger, serveMetrics, silentLogger } from '@puente/runtime';
import type { AgencySimulator } from '@puente/simulators';

import { startAgencies } from './agencies.js';
import { BILATERAL_KEY, createCountryServices } from './country-services.js';
import { createDevGateway } from './dev-gateway.js';
import { createEmbeddedLedgers } from './ledgers.js';
import type { LaneCounts } from './lanes.js';
import { consoleLine, startOperatorConsole } from './operator-console.js';
import { createPartners } from './partners.js';
import { createPreClearances } from './pre-clearances.js';
import { bannerText, summaryLine } from './summary.js';

export interface ModelPortOptions {
  /** The bus every service shares, already started; whoever started it stops it after `stop()`. */
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger?: Logger;
  /** The gateway's gRPC port on 127.0.0.1 (0: any free port). */
  readonly gatewayPort: number;
  /** Where the gateway's Prometheus metrics are served on 127.0.0.1. */
  readonly metricsPort: number;
  /** Events per second the synthetic agencies publish, over all of them. */
  readonly ratePerSecond: number;
  /** Seed of the synthetic agencies (printed, so a run can be repeated). */
  readonly seed: number;
  /** Secrets the development agreements name; the development key fixture answers the rest. */
  readonly secret?: (name: string) => string | undefined;
  /** Where the model port's lines go (default console.log). */
  readonly print?: (line: string) => void;
  /** Where its failures go (default console.error). */
  readonly printError?: (line: string) => void;
  /** How often the summary line is printed. Default 5 s. */
  readonly summaryIntervalMs?: number;
  /** The operators' web console's port on 127.0.0.1 (default 8080; 0: any free port). */
  readonly consolePort?: number;
  /** The console port is the default, not the user's choice: a busy one gives way to a free port. */
  readonly consolePortIsDefault?: boolean;
}

export interface ModelPort {
  /** The port the gateway listens on (known once started). */
  readonly gatewayPort: number;
  /** The operators' web console, `http://127.0.0.1:<port>` (known once it is ready; '' before, or if it failed). */
  readonly consoleUrl: string;
  /**
   * Resolves when the console is ready (its line printed) or failed to start (one line on
   * printError); the rest of the model port never waits for it.
   */
  readonly consoleSettled: Promise<void>;
  start(): Promise<void>;
  /** Stops everything `start()` started, in reverse order; the bus is left to its owner. */
  stop(): Promise<void>;
}

export function createModelPort(options: ModelPortOptions): ModelPort {
  const { bus, codec, metricsPort, ratePerSecond, seed } = options;
  const logger = options.logger ?? silentLogger();
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  const ledgers = createEmbeddedLedgers({ bus, codec, logger });
  const { gateway, dev } = createDevGateway({
    bus,
    codec,
    logger,
    port: options.gatewayPort,
    secret: options.secret,
    ledgers,
  });
  const lanes: LaneCounts = new Map();
  const bilateralKey = options.secret?.(BILATERAL_KEY.variable) ?? readDevKeys().get(BILATERAL_KEY.variable) ?? '';
  const { services, watchlists } = createCountryServices({ bus, codec, logger, lanes, bilateralKey });
  const preClearances = createPreClearances({ bus, codec, logger, lanes });
  const partners = createPartners({ address: () => `127.0.0.1:${gateway.port}`, print, printError });

  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let agencies: AgencySimulator | undefined;
  let summary: NodeJS.Timeout | undefined;
  let operatorConsole: ConsoleServer | undefined;
  let consoleStarting: Promise<ConsoleServer | undefined> | undefined;
  let consoleFailure: unknown;
  let settle: () => void = () => undefined;
  const consoleSettled = new Promise<void>((resolve) => (settle = resolve));

  const printSummary = async (): Promise<void> => {
    print(summaryLine(await gateway.metrics.registry.getMetricsAsJSON(), lanes));
  };

  return {
    get gatewayPort() {
      return gateway.port;
    },
    get consoleUrl() {
      return operatorConsole?.url ?? '';
    },
    consoleSettled,

    async start() {
      await ledgers.open();
      await gateway.start();
      // The console starts while the rest does, and nothing waits for it: its first start may build
      // the front end (seconds), and a console that cannot start must not stop the model port.
      consoleStarting = startOperatorConsole({
        gatewayAddress: `127.0.0.1:${gateway.port}`,
        port: options.consolePort ?? 8080,
        portIsDefault: options.consolePortIsDefault ?? options.consolePort === undefined,
        logger,
      }).catch((error: unknown) => {
        consoleFailure = error;
        return undefined;
      });
      // After the gateway: it creates the disclosure topic the audit services read.
      await ledgers.start();
      for (const store of watchlists) store.start();
      for (const service of services) await service.start();
      metricsServer = await serveMetrics(gateway.metrics.registry, metricsPort);
      const tokens = readDevTokens();
      const agreements = dev.policies.agreements;
      print(bannerText({ gatewayPort: gateway.port, metricsPort, agreements, ratePerSecond, seed }));
      // After the banner, whenever the console is ready (or has failed).
      void consoleStarting
        .then((server) => {
          if (server) {
            operatorConsole = server;
            print(consoleLine(server.url, tokens));
          } else {
            const why = consoleFailure instanceof Error ? consoleFailure.message : String(consoleFailure);
            printError(`  console    did not start (${why}); the rest of Puente runs without it`);
          }
        })
        .finally(settle);
      await partners.start(tokens);
      const address = `127.0.0.1:${gateway.port}`;
      // After the gateway listens: each receives the other country's screening through it.
      await preClearances.start(address, tokens);
      agencies = startAgencies({ address, tokens, ratePerSecond, seed, print, printError });
      summary = setInterval(() => void printSummary(), options.summaryIntervalMs ?? 5_000);
    },

    async stop() {
      // Also when it is still starting, or start() failed after the console began starting.
      await (await consoleStarting)?.stop();
      await agencies?.stop(1_000);
      clearInterval(summary);
      partners.stop();
      await preClearances.stop();
      await gateway.stop(2_000);
      await ledgers.stop();
      for (const service of [...services].reverse()) await service.stop();
      for (const store of watchlists) store.stop();
      metricsServer?.close();
    },
  };
}

/** Builds the model port and starts it. */
export async function startModelPort(options: ModelPortOptions): Promise<ModelPort> {
  const modelPort = createModelPort(options);
  await modelPort.start();
  return modelPort;
}
