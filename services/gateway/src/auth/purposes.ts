// Purposes a partner declares (a subscriber when it starts, an operator previewing its view):
// each must be a purpose of the catalog, named as the request field that carries them.
import { PURPOSES } from '@puente/policy';

import { badRequest } from '../grpc/errors.js';

export type DeclaredPurpose = (typeof PURPOSES)[number];

const KNOWN = new Set<string>(PURPOSES);

/**
 * The declared purposes, without repeats, in the order given; INVALID_ARGUMENT (REQUEST_INVALID
 * naming `field`) for one the catalog does not know, or for none when `required`.
 */
export function declaredPurposes(values: readonly string[], field: string, required: boolean): DeclaredPurpose[] {
  const unknown = values.filter((value) => !KNOWN.has(value));
  if (unknown.length > 0 || (required && values.length === 0)) {
    const description =
      unknown.length > 0
        ? `${unknown.map((value) => `'${value}'`).join(', ')} ${unknown.length === 1 ? 'is not a purpose' : 'are not purposes'}; declare one or more of ${PURPOSES.join(', ')}`
        : `declare the purposes the records will be used for: one or more of ${PURPOSES.join(', ')}`;
    throw badRequest(field, description);
  }
  return [...new Set(values)] as DeclaredPurpose[];
}
