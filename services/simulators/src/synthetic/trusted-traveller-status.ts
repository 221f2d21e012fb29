// The programme office's word on each member: one TrustedTravellerStatus per registry member, as
// CBP Trusted Traveler Programs (us.trusted-travellers.v1) or INM Viajero Confiable
// (mx.trusted-travellers.v1) publishes it; risk honours a claimed membership only on this word.
import { COUNTRIES } from '@puente/runtime';

import { eventMeta, PUBLISHING_AGENCY, topicOf, type GeneratedEvent } from './meta.js';
import type { Rng } from './prng.js';
import type { TrustedTravellerMember, TrustedTravellerRegistry } from './trusted-travellers.js';

/** Friendly JSON of the status of one member. */
function statusValue(
  rng: Rng,
  registry: TrustedTravellerRegistry,
  member: TrustedTravellerMember,
  now: number,
): GeneratedEvent['value'] {
  return {
    meta: {
      ...eventMeta(rng, {
        country: registry.country,
        kind: 'trusted-traveller',
        now,
        classification: [['SENSITIVE', 1]],
        purposes: ['BORDER_SECURITY'],
      }),
      // The registry's confirmations exist to be honoured across the border.
      releasableTo: [...COUNTRIES],
    },
    membershipId: member.membershipId,
    programme: member.programme,
    status: member.status,
    holder: {
      personId: null,
      givenNames: member.holder.givenNames,
      surname: member.holder.surname,
      secondSurname: member.holder.secondSurname,
      aliases: [],
      dateOfBirth: member.holder.dateOfBirth,
      nationalities: [...member.holder.nationalities],
      documents: member.holder.documents.map((d) => ({ ...d })),
      address: null,
    },
    validUntil: member.validUntil,
    issuingAgency: registry.issuingAgency,
  };
}

/** Every member of the registry as a TrustedTravellerStatus event of its programme office, in file order. */
export function trustedTravellerStatusEvents(
  rng: Rng,
  registry: TrustedTravellerRegistry,
  options: { readonly now?: (() => number) | undefined } = {},
): GeneratedEvent[] {
  const now = (options.now ?? Date.now)();
  return registry.members.map((member) => ({
    topic: topicOf(registry.country, 'trusted-traveller'),
    key: member.membershipId,
    publisher: `${registry.country}/${PUBLISHING_AGENCY[registry.country]['trusted-traveller']}`,
    kind: 'trusted-traveller',
    value: statusValue(rng, registry, member, now),
    watchlistHits: [],
  }));
}
