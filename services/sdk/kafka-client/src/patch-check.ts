// The load-time check that the installed kafkajs is the patched one this package needs.
import { KafkaClientError } from './errors.js';
import { kafkajsPatchProblem, requireFromInstalledKafkajs, type KafkajsRequire } from './kafkajs-patch.mjs';

/** Throws, in one sentence, unless `requireFromKafkajs` loads the patched kafkajs we expect. */
export function assertKafkajsPatched(requireFromKafkajs: KafkajsRequire): void {
  const problem = kafkajsPatchProblem(requireFromKafkajs);
  if (problem) throw new KafkaClientError({ code: 'KAFKAJS_NOT_PATCHED', message: problem });
}

let checked: KafkajsRequire | undefined;

/** A require rooted at the installed kafkajs, checked once to be the patched version. */
export function loadPatchedKafkajs(): KafkajsRequire {
  if (!checked) {
    const require = requireFromInstalledKafkajs();
    assertKafkajsPatched(require);
    checked = require;
  }
  return checked;
}
