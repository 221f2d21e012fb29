// Checks that the installed kafkajs carries Puente's patch (patches/kafkajs@2.2.4.patch), which
// pnpm applies at install. Everything in this package that reaches into kafkajs/src/ relies on
// it; without it a user would get a bare TypeError deep in a request. Plain JavaScript, so the
// producer thread runs the same check.
import { createRequire } from 'node:module';

export const KAFKAJS_VERSION = '2.2.4';

/**
 * A require rooted at kafkajs's package.json. What it loads is `unknown` until the caller casts
 * it to the shape it expects, so no `any` from kafkajs's internals flows on unseen.
 * @typedef {(id: string) => unknown} KafkajsRequire
 */

/** The kafkajs modules this package reaches into, each with the hook our patch adds to it. */
export const PATCHED_HOOKS = /** @type {const} */ ([
  ['src/protocol/recordBatch/record/v0/decoder.js', 'setRecordDecoder'],
  ['src/protocol/requests/produce/v3/request.js', 'setPartitionRecordsEncoder'],
]);

/**
 * What is wrong with the kafkajs that `requireFromKafkajs` (a require rooted at kafkajs's
 * package.json) loads, in one sentence; undefined when it is the patched version we expect.
 * @param {KafkajsRequire} requireFromKafkajs
 * @returns {string | undefined}
 */
export function kafkajsPatchProblem(requireFromKafkajs) {
  const manifest = /** @type {{ version?: string }} */ (requireFromKafkajs('./package.json'));
  if (manifest.version !== KAFKAJS_VERSION) {
    return `kafkajs ${String(manifest.version)} is installed but @puente/kafka-client is built on kafkajs ${KAFKAJS_VERSION} with patches/kafkajs@${KAFKAJS_VERSION}.patch: install the workspace with pnpm (\`pnpm install --frozen-lockfile\`), which pins and patches it.`;
  }
  for (const [module, hook] of PATCHED_HOOKS) {
    const exported = /** @type {Record<string, unknown>} */ (requireFromKafkajs(`./${module}`));
    if (typeof exported[hook] !== 'function') {
      return `kafkajs ${KAFKAJS_VERSION} is installed without Puente's patch (kafkajs/${module} has no ${hook}): install the workspace with pnpm (\`pnpm install --frozen-lockfile\`), which applies patches/kafkajs@${KAFKAJS_VERSION}.patch.`;
    }
  }
  return undefined;
}

/**
 * A require rooted at the kafkajs this package resolves.
 * @returns {KafkajsRequire}
 */
export function requireFromInstalledKafkajs() {
  const here = createRequire(import.meta.url);
  return createRequire(here.resolve('kafkajs/package.json'));
}
