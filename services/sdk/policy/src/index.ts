export {
  COUNTRIES,
  PURPOSES,
  parseAgreementDocument,
  type AgreementDocument,
  type FieldAction,
} from './agreement-document.js';
export { CLASSIFICATIONS, GATES, type Classification, type Gate, type Partner } from './condition.js';
export {
  compileAgreement,
  type CompileOptions,
  type BytesDecision,
  type CompiledAgreement,
  type Decision,
  type Explanation,
  type RuleEvaluation,
  type TopicPolicy,
} from './compile.js';
export { parseHashKey } from './key-ring.js';
export {
  KEY_ID,
  NORMALIZATIONS,
  hashesMatch,
  keyIdsAt,
  keyedHash,
  normalize,
  parseKeyedHash,
  type HashKey,
  type KeyRing,
  type Normalization,
} from './hashing.js';
export { PolicyError, formatProblem, type PolicyErrorCode, type PolicyProblem } from './errors.js';
export {
  compilePolicySet,
  createPolicyStore,
  createVersionLedger,
  loadPolicySet,
  readAgreementSources,
  type AgreementSource,
  type Feed,
  type PolicySet,
  type PolicyStore,
  type PolicyStoreOptions,
  type VersionLedger,
} from './policy-set.js';
export { generalize, hmacHash, mask, type Granularity, type MaskStyle } from './transforms.js';
export { deriveViewSubjects, type ViewSubject } from './view-subjects.js';
export type { FieldDecision } from './view-terms.js';
