// The view schemas of a folder of agreements, as catalog subjects `<topic>-view-<agreement>-value`,
// so the lock gives every view a stable schema id that partners can resolve like any other.
import type { Type } from 'avsc';

import { compilePolicySet, readAgreementSources } from './policy-set.js';

/** View schemas do not depend on the HMAC key; derivation uses this fixed stand-in, never for data. */
const DERIVATION_ONLY_KEY = Buffer.alloc(32, 1).toString('base64');

export interface ViewSubject {
  readonly subject: string;
  readonly topic: string;
  readonly type: string;
  readonly schema: Record<string, unknown>;
}

export function deriveViewSubjects(policiesDir: string, schemaFor: (topic: string) => Type | undefined): ViewSubject[] {
  const set = compilePolicySet(readAgreementSources(policiesDir), { schemaFor, secret: () => DERIVATION_ONLY_KEY });
  return set.agreements.flatMap((agreement) =>
    [...agreement.topics.values()].map((policy) => ({
      subject: policy.viewSubject,
      topic: policy.topic,
      type: String(policy.viewSchema['name']),
      schema: policy.viewSchema,
    })),
  );
}
