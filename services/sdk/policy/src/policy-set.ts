// A set of compiled agreements, loaded from files, with hot reload: a changed agreement is
// validated in full and swapped in atomically; an invalid version leaves the one in force and
// is reported.
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

import { parseAgreementDocument } from './agreement-document.js';
import { compileAgreement, type CompileOptions, type CompiledAgreement, type TopicPolicy } from './compile.js';
import type { Partner } from './condition.js';
import { PolicyError, type PolicyProblem } from './errors.js';

export interface AgreementSource {
  readonly file: string;
  readonly text: string;
}

export interface Feed {
  readonly agreement: CompiledAgreement;
  readonly policy: TopicPolicy;
}

export interface PolicySet {
  readonly agreements: readonly CompiledAgreement[];
  agreement(id: string): CompiledAgreement | undefined;
  policy(agreementId: string, topic: string): TopicPolicy | undefined;
  /** Every (agreement, topic) the partner may subscribe to. */
  feedsFor(partner: Partner): Feed[];
}

/** Parses, validates and compiles every source; throws one PolicyError listing all problems. */
export function compilePolicySet(sources: readonly AgreementSource[], options: CompileOptions): PolicySet {
  const problems: PolicyProblem[] = [];
  const agreements: CompiledAgreement[] = [];
  const byId = new Map<string, CompiledAgreement>();
  for (const source of sources) {
    const parsed = parseAgreementDocument(source.file, source.text);
    problems.push(...parsed.problems);
    if (!parsed.document) continue;
    const compiled = compileAgreement(parsed.document, options);
    problems.push(...compiled.problems);
    if (!compiled.agreement || parsed.problems.length > 0) continue;
    const clash = byId.get(compiled.agreement.id);
    if (clash) {
      problems.push({
        file: source.file,
        at: 'id',
        message: `agreement id '${clash.id}' is also used by ${clash.file}`,
      });
      continue;
    }
    byId.set(compiled.agreement.id, compiled.agreement);
    agreements.push(compiled.agreement);
  }
  if (problems.length > 0) throw PolicyError.invalid(problems);
  return {
    agreements,
    agreement: (id) => byId.get(id),
    policy: (agreementId, topic) => byId.get(agreementId)?.topics.get(topic),
    feedsFor: (partner) =>
      agreements
        .filter((agreement) => agreement.covers(partner))
        .flatMap((agreement) => [...agreement.topics.values()].map((policy) => ({ agreement, policy }))),
  };
}

/** The agreement files of a folder (`*.yaml`, `*.yml`), in name order. Small files, read once at load. */
export function readAgreementSources(dir: string): AgreementSource[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
}

export function loadPolicySet(dir: string, options: CompileOptions): PolicySet {
  return compilePolicySet(readAgreementSources(dir), options);
}

/**
 * Per agreement id, the highest version seen for the life of a store and the digest of its text:
 * versions only increase, so a version removed and re-added with other text, or a lower version,
 * cannot come to mean another agreement than the one deliveries and disclosures were made under.
 */
export interface VersionLedger {
  /** The problems that refuse `next`: a version below the highest seen, or equal to it with other text. */
  check(next: PolicySet): PolicyProblem[];
  /** Takes in a set that is now in force. */
  record(set: PolicySet): void;
}

export function createVersionLedger(): VersionLedger {
  const highest = new Map<string, { readonly version: number; readonly sourceDigest: string }>();
  return {
    check(next) {
      const problems: PolicyProblem[] = [];
      for (const agreement of next.agreements) {
        const seen = highest.get(agreement.id);
        if (!seen) continue;
        if (agreement.version < seen.version) {
          problems.push({
            file: agreement.file,
            at: 'version',
            message: `agreement ${agreement.id} is version ${agreement.version}, below version ${seen.version} already loaded: versions only increase, so write version ${seen.version + 1} or higher`,
          });
        } else if (agreement.version === seen.version && agreement.sourceDigest !== seen.sourceDigest) {
          problems.push({
            file: agreement.file,
            at: 'version',
            message: `agreement ${agreement.id} changed but is still version ${agreement.version}: raise version (version ${agreement.version} already names another text, even if it was removed since)`,
          });
        }
      }
      return problems;
    },
    record(set) {
      for (const agreement of set.agreements) {
        const seen = highest.get(agreement.id);
        if (!seen || agreement.version > seen.version)
          highest.set(agreement.id, { version: agreement.version, sourceDigest: agreement.sourceDigest });
      }
    },
  };
}

export interface PolicyStoreOptions extends CompileOptions {
  readonly dir: string;
  /** Told after a new set is in force. */
  readonly onReload?: (set: PolicySet) => void;
  /**
   * Told when a changed file is invalid, or an agreement changed without a new version or came
   * back with a version below the highest the store has seen; the previous set stays in force.
   */
  readonly onRejected?: (error: PolicyError) => void;
  readonly debounceMs?: number;
}

export interface PolicyStore {
  current(): PolicySet;
  /** Re-reads the folder now; resolves to the set in force afterwards. */
  reload(): Promise<PolicySet>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPolicyStore(options: PolicyStoreOptions): PolicyStore {
  let set: PolicySet | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<PolicySet> = Promise.resolve(undefined as unknown as PolicySet);
  const versions = createVersionLedger();

  const reload = (): Promise<PolicySet> => {
    reloading = reloading.then(async () => {
      try {
        const next = loadPolicySet(options.dir, options);
        const stale = versions.check(next);
        if (stale.length > 0) throw PolicyError.invalid(stale);
        versions.record(next);
        set = next;
        options.onReload?.(next);
      } catch (error) {
        const policyError =
          error instanceof PolicyError
            ? error
            : new PolicyError({
                code: 'INVALID_AGREEMENT',
                message: `reading ${options.dir}: ${String(error)}`,
                cause: error,
              });
        if (!set) throw policyError;
        options.onRejected?.(policyError);
      }
      if (!set) throw new PolicyError({ code: 'NO_AGREEMENT', message: `no agreements loaded from ${options.dir}` });
      return set;
    });
    return reloading;
  };

  return {
    current() {
      if (!set) throw new PolicyError({ code: 'NO_AGREEMENT', message: 'the policy store is not started' });
      return set;
    },
    reload,
    async start() {
      await reload();
      watcher = watch(options.dir, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          reload().catch(() => undefined);
        }, options.debounceMs ?? 100);
      });
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
      await reloading.catch(() => undefined);
    },
  };
}
