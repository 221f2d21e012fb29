// The load-time check that the installed kafkajs is the patched one this package needs.
import { KafkaClientError } from './errors.js';
import { kafkajsPatchProblem, requireFromInstalledKafkajs } from './kafkajs-patch.mjs';

/** Throws, in one sentence, unless `requireFromKafkajs` loads the patched kafkajs we expect. */
export function assertKafkajsPatched(requireFromKafkajs: NodeJS.Require): void {
  const problem = kafkajsPatchProblem(requireFromKafkajs);
  if (problem) throw new KafkaClientError({ code: 'KAFKAJS_NOT_PATCHED', message: problem });
}

let checked: NodeJS.Require | undefined;

/** A require rooted at the installed kafkajs, checked once to be the patched version. */
export function loadPatchedKafkajs(): NodeJS.Require {
  if (!checked) {
    const require = requireFromInstalledKafkajs();
    assertKafkajsPatched(require);
    checked = require;
  }
  return checked;
}
