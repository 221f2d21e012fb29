// Prometheus metrics of one gateway process (a registry of its own), served over HTTP.
import { createServer, type Server } from 'node:http';

import { createDeadLetterCounter, type DeadLetterCounter } from '@puente/sdk';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly published: Counter<'topic'>;
  readonly publishRejected: Counter<'reason'>;
  readonly delivered: Counter<'agreement' | 'topic'>;
  readonly withheld: Counter<'agreement' | 'topic'>;
  readonly acked: Counter;
  /** Records set aside to dlq.<topic> (labels topic, service, reason_class), shared with the bus's dead letters. */
  readonly poison: DeadLetterCounter;
  readonly breakerOpen: Gauge;
  readonly subscribers: Gauge;
  readonly publishSeconds: Histogram;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'puente_gateway_' });
  const registers = [registry];
  return {
    registry,
    published: new Counter({
      name: 'puente_published_total',
      help: 'Events accepted and acknowledged by Kafka',
      labelNames: ['topic'],
      registers,
    }),
    publishRejected: new Counter({
      name: 'puente_publish_rejected_total',
      help: 'Events refused, by reason',
      labelNames: ['reason'],
      registers,
    }),
    delivered: new Counter({
      name: 'puente_delivered_total',
      help: 'Policy views delivered to partners',
      labelNames: ['agreement', 'topic'],
      registers,
    }),
    withheld: new Counter({
      name: 'puente_withheld_total',
      help: 'Records no rule admitted',
      labelNames: ['agreement', 'topic'],
      registers,
    }),
    acked: new Counter({ name: 'puente_acked_total', help: 'Deliveries acknowledged by partners', registers }),
    poison: createDeadLetterCounter(registry),
    breakerOpen: new Gauge({
      name: 'puente_publish_breaker_open',
      help: '1 while the publish circuit breaker is open',
      registers,
    }),
    subscribers: new Gauge({ name: 'puente_subscribers', help: 'Subscribe streams connected', registers }),
    publishSeconds: new Histogram({
      name: 'puente_publish_seconds',
      help: 'Publish latency, gateway receipt to Kafka acknowledgement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}

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
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
