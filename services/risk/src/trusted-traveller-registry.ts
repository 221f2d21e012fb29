// What this country's trusted-traveller registry says of each membership: the latest
// TrustedTravellerStatus per membershipId (the programme office's current word), and whether a
// membership a traveller claims at the booth is confirmed: issued here, in standing, unexpired on
// the day, and held by the person presenting it.
import type {
  DocumentType,
  IdentityDocument,
  Person,
  TrustedTravellerMembership,
  TrustedTravellerStatus,
} from '@puente/contracts';
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

/** Membership numbers as printed vary as document numbers do ("98 123-4567"): one key for all spellings. */
const membershipKey = (membershipId: string) => normalize('document-number', membershipId);
const nameKey = (name: string) => normalize('name', name);

/**
 * Programme cards carry the membership number itself (the SENTRI card's number is the PASSID): they
 * show the card, not who holds it, so they never identify the holder.
 */
const PROGRAMME_CARDS: ReadonlySet<DocumentType> = new Set<DocumentType>(['SENTRI_CARD', 'FAST_CARD']);

/** The identity documents among `documents`, each as type, issuing country and normalised number. */
function identityKeys(documents: readonly IdentityDocument[], membershipId: string): Set<string> {
  const membership = membershipKey(membershipId);
  const keys = new Set<string>();
  for (const d of documents) {
    if (PROGRAMME_CARDS.has(d.documentType)) continue;
    const number = normalize('document-number', d.documentNumber);
    // Any document numbered as the membership is a programme card by another name.
    if (number === '' || number === membership) continue;
    keys.add(`${d.documentType}|${d.issuingCountry}|${number}`);
  }
  return keys;
}

/**
 * Whether the traveller presenting a membership is its holder: an identity document of the same type,
 * issuing country and number as one enrolled (programme cards and anything numbered as the membership
 * left out on both sides), or the same surname and birth date.
 */
export function holderMatches(holder: Person, presented: PresentedTraveller, membershipId: string): boolean {
  const enrolled = identityKeys(holder.documents, membershipId);
  for (const key of identityKeys(presented.travelDocuments, membershipId)) if (enrolled.has(key)) return true;
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

  /** Forgets a membership the registry deleted (a tombstone on its topic). */
  forget(membershipId: string): void {
    this.statuses.delete(membershipKey(membershipId));
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
    if (!holderMatches(status.holder, presented, status.membershipId)) return { kind: 'holder-mismatch', status };
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
