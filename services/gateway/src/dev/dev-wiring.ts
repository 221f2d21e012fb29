// Development wiring shared by the embedded start, tests and benchmarks: the agreements of
// deploy/policies with the development HMAC keys of deploy/policies/dev-keys.env, the development
// token authenticator and the publisher permissions. Development fixtures only — production
// reads keys from the environment through main.ts's config.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type AvroCodec } from '@puente/contracts';
import { compilePolicySet, type PolicySet, readAgreementSources } from '@puente/policy';

import { loadPublishPermissions, type PublishPermissions } from '../auth/authorization.js';
import { DEV_TOKENS_FILE } from './dev-tokens.js';
import { createAuthenticator, loadTokenStore, type Authenticator } from '../auth/identity.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const DEV_POLICIES_DIR = `${root}deploy/policies`;
export const DEV_KEYS_FILE = `${root}deploy/policies/dev-keys.env`;
export const PUBLISHERS_FILE = `${root}deploy/gateway/publishers.yaml`;

/** The development fixture keys by variable name. */
export function readDevKeys(file: string = DEV_KEYS_FILE): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) keys.set(match[1], match[2]);
  }
  return keys;
}

export interface DevGatewayParts {
  readonly policies: PolicySet;
  readonly authenticator: Authenticator;
  readonly permissions: PublishPermissions;
}

/**
 * Agreements, token authenticator and publisher permissions for a development gateway.
 * `secret` may override a fixture key (e.g. from the environment); fixtures fill the rest.
 */
export function devGatewayParts(codec: AvroCodec, secret?: (name: string) => string | undefined): DevGatewayParts {
  const keys = readDevKeys();
  return {
    policies: compilePolicySet(readAgreementSources(DEV_POLICIES_DIR), {
      schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
      secret: (name) => secret?.(name) ?? keys.get(name),
    }),
    authenticator: createAuthenticator({ tokens: loadTokenStore(DEV_TOKENS_FILE), allowTokens: true }),
    permissions: loadPublishPermissions(PUBLISHERS_FILE),
  };
}
