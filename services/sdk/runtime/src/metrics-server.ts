// Prometheus metrics of one service process: a registry of its own with the process's default
// metrics, counters that read a service's running totals when scraped, and an HTTP endpoint.
import { createServer, type Server } from 'node:http';

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** A registry with Node's process metrics, named `<prefix>process_…`, `<prefix>nodejs_…`. */
export function createMetricsRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

export interface StatsMetric<K extends string> {
  /** The field of the stats object this metric follows. */
  readonly stat: K;
  readonly name: string;
  readonly help: string;
  /** A running total (default) or a level that goes up and down. */
  readonly kind?: 'counter' | 'gauge';
}

/**
 * Metrics that follow a service's own figures (`stats()`), read at each scrape, so the service
 * itself needs no metrics code. A running total that falls (a restarted component) is ignored
 * until it passes the last value again: a counter never goes down.
 */
export function registerStatsMetrics<K extends string>(
  registry: Registry,
  stats: () => Readonly<Record<K, number>>,
  metrics: readonly StatsMetric<K>[],
): void {
  for (const { stat, name, help, kind } of metrics) {
    if (kind === 'gauge') {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(stats()[stat]);
        },
      });
      continue;
    }
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = stats()[stat];
        if (now > seen) {
          this.inc(now - seen);
          seen = now;
        }
      },
    });
  }
}

/** Serves `GET /metrics` from the registry; rejects when the port cannot be bound. */
export function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry
      .metrics()
      .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch(() => response.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
