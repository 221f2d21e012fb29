// Types of produce-wire.mjs (plain JavaScript so the producer thread loads it without a
// TypeScript loader).
export interface WireMessage {
  readonly partition: number;
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  readonly timestamp?: string;
}

export interface UnpackedMessage {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp?: string;
}

/** UTF-8 length of a string (its length when ASCII). */
export function utf8Length(text: string): number;

export function packTopicMessages(
  topicMessages: readonly { readonly topic: string; readonly messages: readonly WireMessage[] }[],
): ArrayBuffer;

export function unpackTopicMessages(arrayBuffer: ArrayBuffer): { topic: string; messages: UnpackedMessage[] }[];
