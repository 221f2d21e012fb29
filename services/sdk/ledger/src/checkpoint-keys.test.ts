// Checkpoint statements signed with the development keys and with keys from the environment: a
// forged signature, a rewritten head or count, or another key is rejected; bad configuration is
// reported naming the variable.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import {
  type CheckpointStatement,
  publicKeyFromRaw,
  rawPublicKey,
  signCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint.js';
import { checkpointKeyFromEnv, devCheckpointKey, devCheckpointPublicKeys, publicKeysFromEnv } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const statement: CheckpointStatement = {
  ledgerCountry: 'US',
  entryCount: 1_000,
  headHash: Buffer.alloc(32, 0xab),
  signedAt: new Date('2026-03-01T12:00:00.000Z'),
  keyId: 'dev-us-1',
};

describe('checkpoint signatures', () => {
  const key = devCheckpointKey('US');
  const signature = signCheckpoint(statement, key);

  it('verify with the signing key, through its raw 32 bytes too', () => {
    expect(verifyCheckpointSignature(statement, signature, key.publicKey)).toBe(true);
    expect(verifyCheckpointSignature(statement, signature, publicKeyFromRaw(rawPublicKey(key.publicKey)))).toBe(true);
  });

  it('reject a forged signature', () => {
    const forged = Buffer.from(signature);
    forged[10] = forged[10]! ^ 0x01;
    expect(verifyCheckpointSignature(statement, forged, key.publicKey)).toBe(false);
    expect(verifyCheckpointSignature(statement, Buffer.alloc(3), key.publicKey)).toBe(false);
  });

  it('reject a rewritten head, count, time or country', () => {
    const rewritten: Partial<CheckpointStatement>[] = [
      { headHash: Buffer.alloc(32, 0xac) },
      { entryCount: 999 },
      { signedAt: new Date('2026-03-01T12:00:00.001Z') },
      { ledgerCountry: 'MX' },
    ];
    for (const change of rewritten) {
      expect(verifyCheckpointSignature({ ...statement, ...change }, signature, key.publicKey)).toBe(false);
    }
  });

  it('reject the other country development key, and a statement naming another key id', () => {
    expect(verifyCheckpointSignature(statement, signature, devCheckpointKey('MX').publicKey)).toBe(false);
    expect(() => signCheckpoint({ ...statement, keyId: 'other' }, key)).toThrow(/names key other/);
    expect(devCheckpointPublicKeys().MX?.get('dev-mx-1')).toBeDefined();
  });
});

describe('checkpoint keys from the environment', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = file('audit.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

  it('load a PKCS#8 Ed25519 key and its id, or nothing when neither is set', () => {
    const key = checkpointKeyFromEnv({ PUENTE_AUDIT_SIGNING_KEY_FILE: pem, PUENTE_AUDIT_KEY_ID: 'us-2026-1' });
    expect(key?.keyId).toBe('us-2026-1');
    const signature = signCheckpoint({ ...statement, keyId: 'us-2026-1' }, key!);
    expect(verifyCheckpointSignature({ ...statement, keyId: 'us-2026-1' }, signature, publicKey)).toBe(true);
    expect(checkpointKeyFromEnv({})).toBeUndefined();
  });

  it('name what is wrong', () => {
    expect(() => checkpointKeyFromEnv({ PUENTE_AUDIT_SIGNING_KEY_FILE: pem })).toThrow(
      /PUENTE_AUDIT_KEY_ID is required/,
    );
    expect(() => checkpointKeyFromEnv({ PUENTE_AUDIT_KEY_ID: 'k' })).toThrow(
      /PUENTE_AUDIT_SIGNING_KEY_FILE is required/,
    );
    expect(() =>
      checkpointKeyFromEnv({ PUENTE_AUDIT_SIGNING_KEY_FILE: join(dir, 'missing.pem'), PUENTE_AUDIT_KEY_ID: 'k' }),
    ).toThrow(/PUENTE_AUDIT_SIGNING_KEY_FILE \(.*missing\.pem\): ENOENT/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(() =>
      checkpointKeyFromEnv({
        PUENTE_AUDIT_SIGNING_KEY_FILE: file('rsa.pem', rsa.toString()),
        PUENTE_AUDIT_KEY_ID: 'k',
      }),
    ).toThrow(/expected an Ed25519 private key, got rsa/);
  });

  it('load public keys by country and key id, naming bad entries', () => {
    const raw = rawPublicKey(publicKey).toString('base64');
    const keys = publicKeysFromEnv({
      PUENTE_AUDIT_PUBLIC_KEYS_FILE: file('keys.json', JSON.stringify({ US: { 'us-2026-1': raw } })),
    });
    expect(rawPublicKey(keys!.US!.get('us-2026-1')!).toString('base64')).toBe(raw);
    expect(publicKeysFromEnv({})).toBeUndefined();
    // The committed development public keys file (deploy/compose.yaml gives it to the gateway) is
    // the development signing keys' public halves.
    const devFile = fileURLToPath(new URL('../dev-keys/public-keys.dev.json', import.meta.url));
    const committed = publicKeysFromEnv({ PUENTE_AUDIT_PUBLIC_KEYS_FILE: devFile })!;
    for (const country of ['US', 'MX'] as const) {
      const [id, key] = [...devCheckpointPublicKeys()[country]!][0]!;
      expect(rawPublicKey(committed[country]!.get(id)!).equals(rawPublicKey(key))).toBe(true);
    }
    const bad = file('bad.json', JSON.stringify({ XX: {}, MX: { short: 'AAAA' } }));
    expect(() => publicKeysFromEnv({ PUENTE_AUDIT_PUBLIC_KEYS_FILE: bad })).toThrow(
      /"XX" is not a country[\s\S]*MX key short must be the base64 of a 32-byte Ed25519 public key/,
    );
    const notJson = file('not.json', '{');
    expect(() => publicKeysFromEnv({ PUENTE_AUDIT_PUBLIC_KEYS_FILE: notJson })).toThrow(
      /PUENTE_AUDIT_PUBLIC_KEYS_FILE/,
    );
  });
});
