// A signed checkpoint as it travels: the AuditCheckpoint record of a ledger head, its statement
// signed with the service's Ed25519 key, in an envelope every agreement's gates admit (public,
// releasable to both countries, every purpose) so each partner receives the origin's heads.
import { enumSymbols, type AuditCheckpoint } from '@puente/contracts';
import { type CheckpointSigningKey, type LedgerHead, rawPublicKey, signCheckpoint } from '@puente/ledger';
import { COUNTRIES, type Country, nameBasedUuid } from '@puente/runtime';

/** Names checkpoint ids (version-5 UUIDs): the same statement always gets the same id. */
const CHECKPOINT_NAMESPACE = '7b0e3c52-0a51-4c36-9d55-1f8f2f6a4e11';

export const CHECKPOINT_AGENCY = 'PUENTE-AUDIT';

export interface SignedHead {
  readonly country: Country;
  /** A head of at least one entry: an empty ledger has nothing to state. */
  readonly head: LedgerHead & { readonly headHash: Buffer };
  readonly key: CheckpointSigningKey;
  readonly signedAt: Date;
}

/** The AuditCheckpoint stating `head`, signed with `key`. */
export function checkpointRecord({ country, head, key, signedAt }: SignedHead): AuditCheckpoint {
  const statement = {
    ledgerCountry: country,
    entryCount: head.entryCount,
    headHash: head.headHash,
    signedAt,
    keyId: key.keyId,
  };
  const signature = signCheckpoint(statement, key);
  const checkpointId = nameBasedUuid(
    CHECKPOINT_NAMESPACE,
    `${country}\n${head.entryCount}\n${head.headHash.toString('hex')}\n${signedAt.getTime()}\n${key.keyId}`,
  );
  return {
    meta: {
      eventId: checkpointId,
      occurredAt: signedAt,
      originCountry: country,
      originAgency: CHECKPOINT_AGENCY,
      classification: 'PUBLIC',
      releasableTo: [...COUNTRIES],
      purposes: [...enumSymbols.Purpose],
      correlationId: null,
      supersedes: null,
    },
    checkpointId,
    ledgerCountry: country,
    entryCount: head.entryCount,
    headHash: head.headHash,
    signedAt,
    keyId: key.keyId,
    publicKey: rawPublicKey(key.publicKey),
    signature,
  };
}
