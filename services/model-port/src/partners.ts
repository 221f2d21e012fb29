// Partner subscribers: one gRPC Subscribe stream per development partner on the gateway, printing
// one line per delivery (feed, key, how many fields the agreement left and hashed) and acking.
import { type ClientDuplexStream, credentials, Metadata } from '@grpc/grpc-js';
import {
  type Delivery,
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';

/** The partners the model port subscribes as: token name and label. */
const PARTNERS = [
  ['dev-mx-anam-subscriber', 'MX/ANAM'],
  ['dev-us-cbp-subscriber', 'US/CBP'],
] as const;

export interface PartnersOptions {
  /** The gateway's address, asked when the partners start. */
  readonly address: () => string;
  readonly print: (line: string) => void;
  readonly printError: (line: string) => void;
}

export interface Partners {
  /** Subscribes every partner with its token from `tokens`. */
  start(tokens: ReadonlyMap<string, string>): Promise<void>;
  /** Ends every stream opened and closes the client. */
  stop(): void;
}

/** The printed line of one delivery to `label`; hashed values are 43-character base64url strings. */
export function partnerDeliveryLine(label: string, delivery: Delivery): string {
  const view = JSON.parse(delivery.payload.toString('utf8')) as Record<string, unknown>;
  const hashed = JSON.stringify(view).match(/"[A-Za-z0-9_-]{43}"/g)?.length ?? 0;
  return `  ${label.padEnd(8)}← ${delivery.feed.padEnd(34)} ${delivery.key || '(key withheld)'}  ${Object.keys(view).length} top-level fields, ${hashed} hashed`;
}

function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token ?? ''}`);
  return metadata;
}

// A start must name its feeds (share.proto): every feed ListFeeds lists for this partner.
function listFeeds(share: ShareServiceClient, token: string | undefined): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) =>
    share.listFeeds({ topic: '' }, bearer(token), (error, response) =>
      error ? reject(error) : resolve(response.feeds.map((feed) => feed.feedId)),
    ),
  );
}

type SubscribeCall = ClientDuplexStream<SubscribeRequest, SubscribeResponse>;

function openSubscription(
  share: ShareServiceClient,
  token: string | undefined,
  label: string,
  options: PartnersOptions,
): SubscribeCall {
  const call = share.subscribe(bearer(token));
  call.on('data', (message: SubscribeResponse) => {
    if (message.kind?.$case !== 'deliveries') return;
    const deliveries = message.kind.value.deliveries;
    for (const d of deliveries) options.print(partnerDeliveryLine(label, d));
    const last = deliveries[deliveries.length - 1];
    if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
  });
  call.on('error', (error: Error) => options.printError(`  ${label} subscription ended: ${error.message}`));
  return call;
}

function startMessage(feeds: string[]): SubscribeRequest {
  return {
    kind: {
      $case: 'start',
      value: {
        subscription: 'embedded-demo',
        feeds,
        payloadFormat: PayloadFormat.AVRO_JSON,
        startPosition: StartPosition.LATEST,
        maxUnacked: 100,
        maxBatchSize: 20,
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    },
  };
}

export function createPartners(options: PartnersOptions): Partners {
  let client: ShareServiceClient | undefined;
  const calls: SubscribeCall[] = [];
  return {
    async start(tokens) {
      const share = new ShareServiceClient(options.address(), credentials.createInsecure());
      client = share;
      for (const [who, label] of PARTNERS) {
        const feeds = await listFeeds(share, tokens.get(who));
        const call = openSubscription(share, tokens.get(who), label, options);
        call.write(startMessage(feeds));
        calls.push(call);
      }
    },
    stop() {
      for (const call of calls) call.end();
      client?.close();
    },
  };
}
