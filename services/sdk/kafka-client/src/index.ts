// @puente/kafka-client — the one package that touches kafkajs internals. Loading it checks that
// the installed kafkajs carries our patch and says in one sentence what to do when it does not;
// nothing in kafkajs is replaced until `installKafkajsHooks()` is called.
import { loadPatchedKafkajs } from './patch-check.js';

loadPatchedKafkajs();

export { KafkaClientError, type KafkaClientErrorCode } from './errors.js';
export { assertKafkajsPatched } from './patch-check.js';
export { installKafkajsHooks, kafkajsHooksInstalled } from './kafkajs-hooks.js';
export {
  ProducerThread,
  ProducerThreadError,
  type DescribedError,
  type ProducedPartition,
  type ProducerThreadOptions,
} from './producer-thread.js';
export {
  batchBytesAlone,
  planRequest,
  requestBytesAlone,
  type PlannedCall,
  type PlannedRecord,
  type RequestPlan,
  type RequestSlice,
} from './produce-plan.js';
export { utf8Length, type WireMessage } from './produce-wire.mjs';
export { decodeRecord, recordBodyBase } from './record-batch.mjs';
