// What this country's trusted-traveller registry says of each membership: the latest
// TrustedTravellerStatus per membershipId (the programme office's current word), and whether a
// membership a traveller claims at the booth is confirmed: issued here, in standing, unexpired on
// the day, and held by the person presenting it.
import type { IdentityDocument, Person, TrustedTravellerMembership, TrustedTravellerStatus } from '@puente/contracts';
import { normalize } from '@puente/policy';
import type { Country } from '@puente/runtime';

export type Confirmation =
  | { readonly kind: 'confirmed'; readonly status: TrustedTravellerStatus }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'suspended' | 'revoked' | 'expired' | 'holder-mismatch'; readonly status: TrustedTravellerStatus }
  /** The registry's status is one this reader does not know (OTHER): never honoured. */
  | { readonly kind: 'unknown-status'; readonly status: TrustedTravellerStatus }
  /** Issued by the other country: this registry cannot confirm it. */
  | { readonly kind: 'not-issued-here' };

/** The traveller at the booth: who they say they are and the documents they presented. */
export interface PresentedTraveller {
  readonly traveller: Person;
  readonly travelDocuments: readonly IdentityDocument[];
}

const membershipKey = (membershipId: string) => membershipId.trim().toUpperCase();
const nameKey = (name: string) => normalize('name', name);

/** Any presented document number equal to an enrolled one, or the same surname and birth date. */
export function holderMatches(holder: Person, presented: PresentedTraveller): boolean {
  const numbers = (documents: readonly IdentityDocument[]) =>
    documents.map((d) => normalize('document-number', d.documentNumber)).filter((n) => n !== '');
  const enrolled = new Set(numbers(holder.documents));
  if (numbers(presented.travelDocuments).some((n) => enrolled.has(n))) return true;
  const { traveller } = presented;
  return (
    holder.dateOfBirth !== null &&
    holder.dateOfBirth === traveller.dateOfBirth &&
    nameKey(holder.surname) !== '' &&
    nameKey(holder.surname) === nameKey(traveller.surname)
  );
}

export class TrustedTravellerRegistry {
  /** By normalised membershipId: the latest status read. */
  private readonly statuses = new Map<string, TrustedTravellerStatus>();

  constructor(readonly country: Country) {}

  /** Memberships known. */
  get size(): number {
    return this.statuses.size;
  }

  /** Takes a status read from the registry topic: it replaces whatever was known of that membership. */
  record(status: TrustedTravellerStatus): void {
    this.statuses.set(membershipKey(status.membershipId), status);
  }

  /** The latest status of a membership, if the registry has published one. */
  statusOf(membershipId: string): TrustedTravellerStatus | undefined {
    return this.statuses.get(membershipKey(membershipId));
  }

  /** Whether this registry confirms the claimed membership for this traveller on `onDate` (YYYY-MM-DD). */
  confirm(claim: TrustedTravellerMembership, presented: PresentedTraveller, onDate: string): Confirmation {
    if (claim.issuingCountry !== this.country) return { kind: 'not-issued-here' };
    const status = this.statusOf(claim.membershipId);
    // A PASSID the registry holds under another programme is not the membership claimed.
    if (!status || status.programme !== claim.programme) return { kind: 'not-found' };
    // Checked before the standing: a card presented by someone else says more than its status.
    if (!holderMatches(status.holder, presented)) return { kind: 'holder-mismatch', status };
    switch (status.status) {
      case 'SUSPENDED':
        return { kind: 'suspended', status };
      case 'REVOKED':
        return { kind: 'revoked', status };
      case 'EXPIRED':
        return { kind: 'expired', status };
      case 'OTHER':
        return { kind: 'unknown-status', status };
      case 'ACTIVE':
        // The registry's date decides, not the one printed on the card.
        return status.validUntil !== null && status.validUntil < onDate
          ? { kind: 'expired', status }
          : { kind: 'confirmed', status };
    }
  }
}
