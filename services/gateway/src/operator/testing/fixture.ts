// Test fixture for the OperatorService's RPCs: a started MemoryBus with a small, known set of
// topics, the development agreements, a cursor store, and helpers to publish example events.
// No gRPC server: tests call the RPC functions with the context and a principal.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { MemoryBus, type BusRecord, type PublishResult } from '@puente/bus';
import { createCodec } from '@puente/contracts';

import { devGatewayParts } from '../../dev/dev-wiring.js';
import type { Principal } from '../../auth/identity.js';
import { createCursorStore, type CursorStore } from '../../subscribe/cursor-store.js';
import type { DeliveredRecord } from '../../subscribe/record-evaluation.js';
import { operatorContext, type BrowseLimits, type OperatorContext } from '../context.js';

export const codec = createCodec();
export const dev = devGatewayParts(codec);

export const US_CARGO = 'us.cargo-manifests.v1';
export const MX_CARGO = 'mx.cargo-manifests.v1';

/** The fixture's topics and partition counts (plus the cursor store's `puente.subscription-cursors`). */
export const FIXTURE_TOPICS: Readonly<Record<string, number>> = {
  [US_CARGO]: 3,
  [MX_CARGO]: 2,
  'dlq.us.cargo-manifests.v1': 1,
  'dlq.mx.cargo-manifests.v1': 1,
  'audit.disclosures.v1': 1,
};

const principal = (name: string, country: 'US' | 'MX', agency: string, role: Principal['roles'][number]) =>
  ({ country, agency, roles: [role], name, via: 'token' }) satisfies Principal;

export const US_OPERATOR = principal('dev-us-cbp-operator', 'US', 'CBP', 'operator');
export const MX_OPERATOR = principal('dev-mx-anam-operator', 'MX', 'ANAM', 'operator');
export const US_PUBLISHER = principal('dev-us-cbp-publisher', 'US', 'CBP', 'publisher');
export const MX_SUBSCRIBER = principal('dev-mx-anam-subscriber', 'MX', 'ANAM', 'subscriber');

/** The view schema id of an agreement's topic, as the catalog lock lists it. */
export const viewSchemaIdOf = (agreementId: string, topic: string): number =>
  codec.catalog.latest(`${topic}-view-${agreementId}-value`).id;

const root = fileURLToPath(new URL('../../../../../', import.meta.url));

/** An example event (friendly JSON under schemas/examples) of `topic` as a value, with a fresh eventId. */
export function exampleValue(topic: string, file: string): Record<string, any> {
  const example = JSON.parse(readFileSync(`${root}schemas/examples/${file}`, 'utf8')) as { value: Record<string, any> };
  const value = structuredClone(example.value);
  value['meta'].eventId = randomUUID();
  return codec.fromFriendlyJson(topic, value) as Record<string, any>;
}

/** An example cargo manifest (`mx-…` files are MX's) with a fresh eventId. */
export function manifest(
  file: string,
  overrides: { readonly classification?: string; readonly manifestId?: string } = {},
): Record<string, any> {
  const value = exampleValue(file.startsWith('mx-') ? MX_CARGO : US_CARGO, `cargo-manifests/${file}`);
  if (overrides.classification !== undefined) value['meta'].classification = overrides.classification;
  if (overrides.manifestId !== undefined) value['manifestId'] = overrides.manifestId;
  return value;
}

export interface OperatorFixture {
  readonly bus: MemoryBus;
  readonly cursors: CursorStore;
  readonly context: OperatorContext;
  /** What the context's audit was given, in order. */
  readonly audited: DeliveredRecord[];
  /** Publishes a value encoded with the topic's schema, keyed by its key field. */
  publish(
    topic: string,
    value: Record<string, any>,
    options?: { readonly headers?: BusRecord['headers']; readonly timestamp?: number },
  ): Promise<PublishResult>;
  /** Publishes raw bytes (e.g. a record that is not Avro). */
  publishRaw(topic: string, record: BusRecord): Promise<PublishResult>;
  stop(): Promise<void>;
}

export async function operatorFixture(
  options: { readonly limits?: Partial<BrowseLimits>; readonly sessions?: ReadonlyMap<string, unknown> } = {},
): Promise<OperatorFixture> {
  const bus = new MemoryBus();
  await bus.start();
  await bus.admin.ensureTopics(Object.entries(FIXTURE_TOPICS).map(([topic, partitions]) => ({ topic, partitions })));
  const cursors = createCursorStore(bus);
  await cursors.start();
  const audited: DeliveredRecord[] = [];
  const context = operatorContext({
    authenticator: dev.authenticator,
    bus,
    codec,
    policies: () => dev.policies,
    cursors,
    viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
    audit: async (delivered) => {
      audited.push(...delivered);
    },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
  });
  const publishRaw = async (topic: string, record: BusRecord): Promise<PublishResult> => {
    const [result] = await bus.publish(topic, [record]);
    if (!result) throw new Error(`publishing to ${topic} returned no result`);
    return result;
  };
  return {
    bus,
    cursors,
    context,
    audited,
    publish: (topic, value, publishOptions = {}) =>
      publishRaw(topic, {
        key: codec.keyOf(topic, value),
        value: codec.encode(topic, value),
        ...(publishOptions.headers ? { headers: publishOptions.headers } : {}),
        ...(publishOptions.timestamp === undefined ? {} : { timestamp: publishOptions.timestamp }),
      }),
    publishRaw,
    async stop() {
      await cursors.stop();
      await bus.stop();
    },
  };
}

/** The GatewayError (or other error) a promise rejects with; fails when it resolves. */
export async function refusal(promise: Promise<unknown>): Promise<any> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error('expected the call to be refused');
  return outcome.error;
}
