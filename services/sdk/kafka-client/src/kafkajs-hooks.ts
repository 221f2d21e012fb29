// The one switch that puts this package's encoders into kafkajs. Nothing is replaced by loading
// a module: `installKafkajsHooks()` sets the one-pass record decoder (record-batch.mjs) in this
// thread's kafkajs, and producer threads started after it encode their records in one pass too.
// Both produce the bytes and records kafkajs would (record-batch.test.ts checks them byte for
// byte); they only skip kafkajs's per-varint Long objects and per-record encoders.
import { decodeRecord } from './record-batch.mjs';
import { loadPatchedKafkajs } from './patch-check.js';

let installed = false;

/** Installs the hooks into this thread's kafkajs. Idempotent. */
export function installKafkajsHooks(): void {
  if (installed) return;
  const decoder = loadPatchedKafkajs()('./src/protocol/recordBatch/record/v0/decoder.js') as {
    setRecordDecoder(decoder: typeof decodeRecord): void;
  };
  decoder.setRecordDecoder(decodeRecord);
  installed = true;
}

/** Whether `installKafkajsHooks()` has run in this thread (producer threads follow it). */
export function kafkajsHooksInstalled(): boolean {
  return installed;
}
