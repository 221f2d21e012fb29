// `pnpm --filter @puente/screening share-watchlists <own file>`: writes to stdout the country's
// watchlists as it shares them with the partner (document numbers as keyed hashes under the
// bilateral key PUENTE_HASH_KEY_US_MX, id PUENTE_HASH_KEY_ID, and during a rotation's overlap the
// previous key's too: PUENTE_HASH_KEY_US_MX_PREVIOUS, PUENTE_HASH_KEY_PREVIOUS_ID,
// PUENTE_HASH_KEY_PREVIOUS_UNTIL), the file the partner's screening reads as
// PUENTE_PARTNER_WATCHLIST_FILE. Problems go to stderr with exit code 1.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

import { ConfigError, messageOf } from '@puente/runtime';

import { loadScreeningConfig } from './config.js';
import { createDocumentHasher } from './document-hasher.js';
import { dumpSharedWatchlists, shareWatchlists } from './shared-watchlists.js';
import { loadWatchlists, WatchlistError } from './watchlists.js';

/** The shared file's text for an own watchlist file, hashed with the key the environment names. */
export function shareWatchlistFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  now: () => number = Date.now,
): string {
  // The screening configuration's own key parsing: one place says what a usable key is.
  // Only the key variables are read; the service's required ones get placeholders.
  const config = loadScreeningConfig({
    KAFKA_BROKERS: 'unused:9092',
    PUENTE_COUNTRY: 'US',
    PUENTE_HASH_KEY_US_MX: env['PUENTE_HASH_KEY_US_MX'],
    PUENTE_HASH_KEY_ID: env['PUENTE_HASH_KEY_ID'],
    PUENTE_HASH_KEY_US_MX_PREVIOUS: env['PUENTE_HASH_KEY_US_MX_PREVIOUS'],
    PUENTE_HASH_KEY_PREVIOUS_ID: env['PUENTE_HASH_KEY_PREVIOUS_ID'],
    PUENTE_HASH_KEY_PREVIOUS_UNTIL: env['PUENTE_HASH_KEY_PREVIOUS_UNTIL'],
  });
  if (!config.hashKeyRing) throw new ConfigError('share-watchlists', ['PUENTE_HASH_KEY_US_MX: is not set']);
  return dumpSharedWatchlists(
    shareWatchlists(loadWatchlists(file), createDocumentHasher({ ring: config.hashKeyRing, now })),
  );
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (file === undefined || rest.length > 0) {
    process.stderr.write(
      'usage: share-watchlists <own watchlist file>   (key: PUENTE_HASH_KEY_US_MX, PUENTE_HASH_KEY_ID; during a rotation also PUENTE_HASH_KEY_US_MX_PREVIOUS, PUENTE_HASH_KEY_PREVIOUS_ID, PUENTE_HASH_KEY_PREVIOUS_UNTIL)\n',
    );
    process.exit(1);
  }
  try {
    process.stdout.write(shareWatchlistFile(file, process.env));
  } catch (error) {
    process.stderr.write(
      `${error instanceof ConfigError || error instanceof WatchlistError ? error.message : `share-watchlists failed: ${messageOf(error)}`}\n`,
    );
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
