// Deterministic ids of screening results: derived from the manifest event and the party's role
// (or the crossing event), so a redelivered input yields the same ids and partners can drop the
// duplicates.
import { nameBasedUuid } from '@puente/runtime';

import type { PartyRole } from './parties.js';

/** RFC 4122 namespace for screening result ids (a fixed random UUID; never change it). */
const RESULT_ID_NAMESPACE = '6f1c2e4a-93b7-4d0e-8a55-2c7d9e1f4b38';

/** RFC 4122 version-5 UUID of `name` in screening's namespace unless another is given. */
export function uuidV5(name: string, namespace: string = RESULT_ID_NAMESPACE): string {
  return nameBasedUuid(namespace, name);
}

/** The eventId of the result for one party of one manifest event. */
export function screeningEventId(manifestEventId: string, role: PartyRole): string {
  return uuidV5(`${manifestEventId}/${role}`);
}

/** The eventId of the result for the traveller of one crossing event. */
export function travellerScreeningEventId(crossingEventId: string): string {
  return uuidV5(`${crossingEventId}/traveller`);
}
