// Watchlists from YAML files (format documented in deploy/watchlists/README.md): loading with
// errors that name the file, the entry and the field, and a store that reloads a changed file
// while keeping the last valid version in force when the new one is invalid. A country's own
// file lists persons' document numbers in clear; a partner's shared file carries only keyed
// hashes of them, and a raw number in it is an error, so none can be configured as shared.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { enumSymbols, type DocumentType } from '@puente/contracts';
import { normalize, parseKeyedHash } from '@puente/policy';
import { COUNTRIES, type Country, PuenteError } from '@puente/runtime';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import { nameTokens } from './name-matching.js';

export type WatchlistEntryType = 'person' | 'organization';

/** A listed person's identity or travel document, as the owning country holds it (own files only). */
export interface WatchlistDocument {
  readonly type: DocumentType;
  /** As written in the file; compared after the 'document-number' normalisation. */
  readonly number: string;
  /** ISO 3166-1 alpha-2. */
  readonly issuingCountry: string;
}

/**
 * A listed person's document as a partner's shared file carries it: the number only as its keyed
 * hash, the type and issuing country in clear, so a match can require the same issuing country
 * and a compatible type, as matching an own entry's number does.
 */
export interface WatchlistDocumentHash {
  readonly type: DocumentType;
  /** ISO 3166-1 alpha-2. */
  readonly issuingCountry: string;
  /** `<key id>:<43 base64url characters>`: one key's hash (an overlap's two are two entries). */
  readonly hash: string;
}

/** Own files hold document numbers in clear; shared files (a partner's lists) only their keyed hashes. */
export type WatchlistKind = 'own' | 'shared';

export interface WatchlistEntry {
  readonly entryId: string;
  readonly type: WatchlistEntryType;
  /** Name as listed; persons usually "SURNAMES, Given names". */
  readonly name: string;
  readonly aliases: readonly string[];
  /** Persons only: 'YYYY-MM-DD', when known. */
  readonly dateOfBirth?: string;
  /** Persons: nationality; organizations: country of registration (ISO 3166-1 alpha-2). */
  readonly countryCode?: string;
  readonly reason: string;
  /** Persons in an own file: their documents, numbers in clear. */
  readonly documents?: readonly WatchlistDocument[];
  /** Persons in a shared file: their documents' keyed hashes, with the type and issuing country in clear. */
  readonly documentHashes?: readonly WatchlistDocumentHash[];
}

export interface Watchlist {
  readonly listId: string;
  readonly name: string;
  readonly owner: string;
  readonly entries: readonly WatchlistEntry[];
}

export interface WatchlistSet {
  /** File the set was loaded from, or a label for sets built in code. */
  readonly source: string;
  readonly country?: Country;
  /** 'shared' for a partner's lists as shared: document numbers as keyed hashes only. */
  readonly kind: WatchlistKind;
  readonly lists: readonly Watchlist[];
  /** Total entries over all lists. */
  readonly size: number;
}

/** Anything the screening service can ask for the lists in force right now. */
export interface WatchlistSource {
  current(): WatchlistSet;
}

export class WatchlistError extends PuenteError<'INVALID_WATCHLIST'> {
  override readonly name = 'WatchlistError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super({
      code: 'INVALID_WATCHLIST',
      message: `invalid watchlist file ${file}:\n  - ${problems.join('\n  - ')}`,
      cause: options?.cause,
    });
  }
}

const isoCountry = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as MX or US');
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const documentType = z.enum(enumSymbols.DocumentType as readonly DocumentType[] as [DocumentType, ...DocumentType[]], {
  error: `must be one of ${enumSymbols.DocumentType.join(', ')}`,
});

const documentSchema = z
  .object({
    type: documentType,
    // A string, so a number written unquoted (leading zeros lost by YAML) is an error, not a miss.
    number: z
      .string({ error: 'must be a string (quote the number)' })
      .refine((text) => normalize('document-number', text) !== '', 'has no characters left after normalisation'),
    issuingCountry: isoCountry,
  })
  .strict();

const documentHashSchema = z
  .object(
    {
      type: documentType,
      issuingCountry: isoCountry,
      hash: z
        .string({ error: 'must be a string' })
        .refine(
          (text) => parseKeyedHash(text) !== undefined,
          'must be a keyed hash `<key id>:<43 base64url characters>` (two such, space-separated, during a key rotation)',
        ),
      // Named so that a number in clear gets this message rather than "unrecognized key".
      number: z
        .never({ error: 'a shared file carries no document numbers in clear: only their keyed hash (hash)' })
        .optional(),
    },
    {
      error:
        'must be { type, issuingCountry, hash }: the type and issuing country in clear, the number as its keyed hash',
    },
  )
  .strict();

const entrySchema = z
  .object({
    entryId: nonEmpty,
    type: z.enum(['person', 'organization']),
    name: nonEmpty,
    aliases: z.array(nonEmpty).default([]),
    dateOfBirth: z
      .union([z.string(), z.date()])
      .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value))
      .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'))
      .optional(),
    nationality: isoCountry.optional(),
    countryCode: isoCountry.optional(),
    reason: nonEmpty,
    documents: z.array(documentSchema).optional(),
    documentHashes: z.array(documentHashSchema).optional(),
  })
  .strict()
  .superRefine((entry, context) => {
    if (entry.type === 'organization' && entry.documents !== undefined) {
      context.addIssue({ code: 'custom', path: ['documents'], message: 'only persons have documents' });
    }
    if (entry.type === 'organization' && entry.documentHashes !== undefined) {
      context.addIssue({ code: 'custom', path: ['documentHashes'], message: 'only persons have documents' });
    }
    if (entry.type === 'organization' && entry.dateOfBirth !== undefined) {
      context.addIssue({ code: 'custom', path: ['dateOfBirth'], message: 'only persons have a date of birth' });
    }
    if (entry.type === 'organization' && entry.nationality !== undefined) {
      context.addIssue({ code: 'custom', path: ['nationality'], message: 'organizations use countryCode' });
    }
    if (entry.type === 'person' && entry.countryCode !== undefined) {
      context.addIssue({ code: 'custom', path: ['countryCode'], message: 'persons use nationality' });
    }
    for (const [index, name] of [entry.name, ...entry.aliases].entries()) {
      if (nameTokens(name).length === 0) {
        context.addIssue({
          code: 'custom',
          path: index === 0 ? ['name'] : ['aliases', index - 1],
          message: 'has no letters or digits to match on',
        });
      }
    }
  });

const fileSchema = z
  .object({
    version: z.literal(1, { error: 'version must be 1' }),
    country: z.enum(COUNTRIES).optional(),
    lists: z
      .array(
        z
          .object({
            listId: nonEmpty,
            name: nonEmpty,
            owner: nonEmpty,
            entries: z.array(entrySchema),
          })
          .strict(),
      )
      .min(1, 'a watchlist file holds at least one list'),
  })
  .strict();

type ParsedFile = z.infer<typeof fileSchema>;

function describePath(parsed: unknown, path: readonly PropertyKey[]): string {
  let text = '';
  let node: unknown = parsed;
  let entryId: string | undefined;
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : text ? `.${String(key)}` : String(key);
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const id = node && typeof node === 'object' ? (node as Record<string, unknown>)['entryId'] : undefined;
    if (typeof id === 'string') entryId = id;
  }
  return entryId ? `${text} (entry ${entryId})` : text || '(file)';
}

// Which documents field a kind of file may use, and what to say when the other one is there.
const MISPLACED: Readonly<
  Record<WatchlistKind, { readonly field: 'documents' | 'documentHashes'; readonly message: string }>
> = {
  own: {
    field: 'documentHashes',
    message: "belongs in a partner's shared file; an own file lists documents (type, number, issuingCountry)",
  },
  shared: {
    field: 'documents',
    message:
      'a shared file carries no document numbers in clear: give documentHashes (type, issuingCountry, keyed hash; see shareWatchlists) instead',
  },
};

/** Problems the schema cannot see: duplicate ids, and the documents field the kind of file forbids. */
function fileProblems(parsed: ParsedFile, kind: WatchlistKind): string[] {
  const problems: string[] = [];
  const misplaced = MISPLACED[kind];
  const listIds = new Set<string>();
  for (const [listIndex, list] of parsed.lists.entries()) {
    if (listIds.has(list.listId)) problems.push(`lists[${listIndex}].listId: duplicate list id ${list.listId}`);
    listIds.add(list.listId);
    const entryIds = new Set<string>();
    for (const [entryIndex, entry] of list.entries.entries()) {
      const at = `lists[${listIndex}].entries[${entryIndex}]`;
      if (entryIds.has(entry.entryId)) {
        problems.push(`${at}.entryId: duplicate entry id ${entry.entryId} in ${list.listId}`);
      }
      entryIds.add(entry.entryId);
      if (entry[misplaced.field] !== undefined) {
        problems.push(`${at}.${misplaced.field} (entry ${entry.entryId}): ${misplaced.message}`);
      }
    }
  }
  return problems;
}

type ParsedEntry = ParsedFile['lists'][number]['entries'][number];

function toEntry(entry: ParsedEntry): WatchlistEntry {
  const countryCode = entry.type === 'person' ? entry.nationality : entry.countryCode;
  return Object.freeze({
    entryId: entry.entryId,
    type: entry.type,
    name: entry.name,
    aliases: Object.freeze([...entry.aliases]),
    reason: entry.reason,
    ...(entry.dateOfBirth !== undefined ? { dateOfBirth: entry.dateOfBirth } : {}),
    ...(countryCode !== undefined ? { countryCode } : {}),
    ...(entry.documents !== undefined
      ? { documents: Object.freeze(entry.documents.map((document) => Object.freeze({ ...document }))) }
      : {}),
    // A hash written during a rotation overlap ("<new> <old>") counts as its two parts.
    ...(entry.documentHashes !== undefined
      ? {
          documentHashes: Object.freeze(
            entry.documentHashes.flatMap(({ type, issuingCountry, hash }) =>
              hash.split(' ').map((part) => Object.freeze({ type, issuingCountry, hash: part })),
            ),
          ),
        }
      : {}),
  });
}

/**
 * Parses and validates watchlist YAML; throws WatchlistError listing every problem. `kind`
 * 'shared' reads a partner's shared file: document hashes only, never numbers in clear.
 */
export function parseWatchlists(text: string, file = '<inline>', kind: WatchlistKind = 'own'): WatchlistSet {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new WatchlistError(
      file,
      document.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    );
  }
  const raw: unknown = document.toJS();
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    throw new WatchlistError(
      file,
      result.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`),
    );
  }
  const parsed: ParsedFile = result.data;
  const problems = fileProblems(parsed, kind);
  if (problems.length > 0) throw new WatchlistError(file, problems);

  const lists: Watchlist[] = parsed.lists.map((list) =>
    Object.freeze({
      listId: list.listId,
      name: list.name,
      owner: list.owner,
      entries: Object.freeze(list.entries.map(toEntry)),
    }),
  );
  return Object.freeze({
    source: file,
    ...(parsed.country ? { country: parsed.country } : {}),
    kind,
    lists: Object.freeze(lists),
    size: lists.reduce((sum, list) => sum + list.entries.length, 0),
  });
}

/** Parses a partner's shared (hashed) watchlist YAML. */
export function parseSharedWatchlists(text: string, file = '<inline>'): WatchlistSet {
  return parseWatchlists(text, file, 'shared');
}

/** Reads and validates one watchlist file. */
export function loadWatchlists(file: string, kind: WatchlistKind = 'own'): WatchlistSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WatchlistError(file, [`cannot read: ${error instanceof Error ? error.message : String(error)}`], {
      cause: error,
    });
  }
  return parseWatchlists(text, file, kind);
}

/** Reads and validates a partner's shared (hashed) watchlist file. */
export function loadSharedWatchlists(file: string): WatchlistSet {
  return loadWatchlists(file, 'shared');
}

/** A fixed set as a WatchlistSource (tests, embedded wiring). */
export function fixedWatchlists(set: WatchlistSet): WatchlistSource {
  return { current: () => set };
}

export interface WatchlistStoreOptions {
  /** 'shared' for a partner's hashed file; 'own' by default. */
  readonly kind?: WatchlistKind;
  /** Told each time a changed file was loaded (not for the initial load). */
  readonly onReload?: (set: WatchlistSet) => void;
  /** Told when a changed file is invalid; the previous lists stay in force. */
  readonly onRejected?: (error: WatchlistError) => void;
  /** Quiet period after a change event before reading the file (editors write in steps). */
  readonly debounceMs?: number;
}

export interface WatchlistStore extends WatchlistSource {
  readonly file: string;
  /** Re-reads the file; on success it takes effect and is returned, on failure the old set stays and this throws. */
  reload(): WatchlistSet;
  /** Starts watching the file for changes (idempotent). */
  start(): void;
  stop(): void;
}

/** Loads the file now (throws WatchlistError if invalid) and keeps it current once started. */
export function createWatchlistStore(file: string, options: WatchlistStoreOptions = {}): WatchlistStore {
  const path = resolve(file);
  const kind = options.kind ?? 'own';
  let set = loadWatchlists(path, kind);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const debounceMs = options.debounceMs ?? 100;

  const reload = (): WatchlistSet => {
    set = loadWatchlists(path, kind);
    return set;
  };

  const onChange = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        options.onReload?.(reload());
      } catch (error) {
        const rejected =
          error instanceof WatchlistError ? error : new WatchlistError(path, [String(error)], { cause: error });
        options.onRejected?.(rejected);
      }
    }, debounceMs);
  };

  return {
    file: path,
    current: () => set,
    reload,
    start() {
      if (watcher) return;
      // Watch the directory: editors and deploy tools replace the file rather than write in place.
      const name = basename(path);
      watcher = watch(dirname(path), (_event, changed) => {
        if (changed === null || changed === name) onChange();
      });
      watcher.on('error', (error) =>
        options.onRejected?.(new WatchlistError(path, [`watch failed: ${error.message}`])),
      );
    },
    stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
