// A throwaway Ed25519 checkpoint key for tests.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';

import type { CheckpointSigningKey } from '@puente/ledger';

export function testSigningKey(keyId = 'audit-test-key'): CheckpointSigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey: createPublicKey(privateKey) };
}
