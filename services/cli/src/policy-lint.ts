// `puente policy lint`: agreements compiled locally against the catalog of @puente/contracts, as
// the gateway would load them, with every problem's file, line and path. HMAC keys are not
// needed to lint: a key variable that is set (in the environment or a --keys file) is checked
// like the gateway checks it; one that is not set is replaced by a throw-away random key for
// this run only (view schemas and rules do not depend on its value), and named in a note so
// nobody mistakes the run for a check of the key.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import { createCodec, type SchemaCatalog } from '@puente/contracts';
import {
  type AgreementSource,
  compilePolicySet,
  PolicyError,
  type PolicyProblem,
  type PolicySet,
  readAgreementSources,
} from '@puente/policy';

import { errorText } from './config/connection.js';
import { usageError } from './exit-codes.js';
import type { Messages } from './i18n/messages.js';

type AvroType = ReturnType<SchemaCatalog['typeOf']>;

export interface LintResult {
  readonly files: readonly string[];
  readonly problems: readonly PolicyProblem[];
  /** Key variables that were not set, so their keys were not checked. */
  readonly unsetKeys: readonly string[];
  readonly set: PolicySet | undefined;
}

export interface LintOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A dotenv-style file of key variables (`NAME=base64`), e.g. deploy/policies/dev-keys.env. */
  readonly keysFile?: string | undefined;
  readonly messages: Messages;
}

/** The agreement files named: files as they are, folders by their *.yaml and *.yml. */
export function readSources(
  paths: readonly string[],
  { cwd, messages }: Pick<LintOptions, 'cwd' | 'messages'>,
): AgreementSource[] {
  const { t } = messages;
  const sources: AgreementSource[] = [];
  for (const path of paths) {
    const full = resolve(cwd, path);
    try {
      if (statSync(full).isDirectory()) sources.push(...readAgreementSources(full));
      else sources.push({ file: full, text: readFileSync(full, 'utf8') });
    } catch (error) {
      throw usageError(t('error.file.read', { file: path, message: errorText(error) }));
    }
  }
  if (sources.length === 0) throw usageError(t('error.paths.none', { paths: paths.join(', ') }));
  return sources;
}

export function readKeysFile(
  file: string,
  { cwd, messages }: Pick<LintOptions, 'cwd' | 'messages'>,
): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw usageError(messages.t('error.file.read', { file, message: errorText(error) }));
  }
  const keys = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) keys.set(match[1]!, match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return keys;
}

/** The root Avro type of a topic in the local catalog, or undefined for an unknown topic. */
export function catalogSchemaFor(): (topic: string) => AvroType | undefined {
  const codec = createCodec();
  const known = new Set(codec.topics());
  return (topic) => (known.has(topic) ? codec.catalog.typeOf(codec.schemaIdOf(topic)) : undefined);
}

export function lintAgreements(paths: readonly string[], options: LintOptions): LintResult {
  const sources = readSources(paths, options);
  const fileKeys = options.keysFile === undefined ? new Map<string, string>() : readKeysFile(options.keysFile, options);
  const unset = new Set<string>();
  const throwAway = randomBytes(32).toString('base64');
  const secret = (name: string): string => {
    const value = options.env[name] ?? fileKeys.get(name);
    if (value !== undefined && value.trim() !== '') return value;
    unset.add(name);
    return throwAway;
  };
  try {
    const set = compilePolicySet(sources, { schemaFor: catalogSchemaFor(), secret });
    return { files: sources.map((s) => s.file), problems: [], unsetKeys: [...unset].sort(), set };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return {
      files: sources.map((s) => s.file),
      problems: error.problems,
      unsetKeys: [...unset].sort(),
      set: undefined,
    };
  }
}
