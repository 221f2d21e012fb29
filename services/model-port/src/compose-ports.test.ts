// deploy/compose.yaml publishes only ports its services listen on, where Docker can reach them.
// No Docker engine here, so each service's configuration is loaded from the environment the
// compose file gives it, exactly as its main.ts would, and compared with the ports it publishes:
// every published container port is the service's gRPC or metrics port, bound to all interfaces.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadGatewayConfig } from '@puente/gateway';
import { loadRiskConfig } from '@puente/risk';
import { loadAuditConfig } from '@puente/audit';
import { loadScreeningConfig } from '@puente/screening';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const COMPOSE_FILE = fileURLToPath(new URL('../../../deploy/compose.yaml', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface ComposeService {
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string | number>>;
  readonly ports?: readonly string[];
}

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** What a service listens on, from its own configuration loader, by the package it starts. */
const listeners: Record<string, (env: Record<string, string>) => { host: string; port: number }[]> = {
  '@puente/gateway': (env) => {
    const config = loadGatewayConfig(env);
    const [host = '', port = ''] = config.address.split(/:(?=\d+$)/);
    return [
      { host, port: Number(port) },
      { host: config.metricsHost, port: config.metricsPort },
    ];
  },
  '@puente/screening': (env) => {
    const config = loadScreeningConfig(env);
    return [{ host: config.metricsHost, port: config.metricsPort }];
  },
  '@puente/risk': (env) => {
    const config = loadRiskConfig(env);
    return [{ host: config.metricsHost, port: config.metricsPort }];
  },
  '@puente/audit': (env) => {
    const config = loadAuditConfig(env);
    return [{ host: config.metricsHost, port: config.metricsPort }];
  },
};

const published = Object.entries(compose.services).filter(([, service]) => (service.ports ?? []).length > 0);

describe('deploy/compose.yaml', () => {
  it.each(Object.entries(compose.services).filter(([, service]) => service.command))(
    '%s runs an entry point that exists, as the container’s main process',
    (_, service) => {
      const [program, ...args] = service.command ?? [];
      expect(program).toBe('node');
      const main = args.at(-1) ?? '';
      expect(existsSync(fileURLToPath(new URL(`../../../${main}`, import.meta.url))), main).toBe(true);
    },
  );

  it('publishes the gateway and the metrics of every service', () => {
    expect(published.map(([name]) => name).sort()).toEqual([
      'audit-mx',
      'audit-us',
      'gateway',
      'risk-mx',
      'risk-us',
      'screening-mx',
      'screening-us',
    ]);
  });

  it.each(published)('%s listens on every port it publishes, on all interfaces', (_, service) => {
    const main = service.command?.find((part) => /^services\/[a-z-]+\/src\/[a-z-]+\.ts$/.test(part)) ?? '';
    const pkg = `@puente/${main.split('/')[1] ?? ''}`;
    const listen = listeners[pkg];
    expect(listen, `no known listener for ${pkg}`).toBeDefined();
    // Files the container reads under /puente (the image's copy of this repository) are read here.
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v).replace(/^\/puente\//, REPO)]),
    );
    const sockets = listen?.(env) ?? [];
    for (const mapping of service.ports ?? []) {
      const containerPort = Number(mapping.split(':').at(-1));
      const socket = sockets.find((s) => s.port === containerPort);
      expect(socket, `${mapping}: nothing listens on ${containerPort}`).toBeDefined();
      expect(['0.0.0.0', '::'], `${mapping}: bound to ${socket?.host}, unreachable from outside`).toContain(
        socket?.host,
      );
    }
  });
});
