// Watchlists from YAML files (format documented in deploy/watchlists/README.md): loading with
// errors that name the file, the entry and the field, and a store that reloads a changed file
// while keeping the last valid version in force when the new one is invalid.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { COUNTRIES, type Country, PuenteError } from '@puente/runtime';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import { nameTokens } from './name-matching.js';

export type WatchlistEntryType = 'person' | 'organization';

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
  })
  .strict()
  .superRefine((entry, context) => {
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

/** Parses and validates watchlist YAML; throws WatchlistError listing every problem. */
export function parseWatchlists(text: string, file = '<inline>'): WatchlistSet {
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
  const problems: string[] = [];
  const listIds = new Set<string>();
  for (const [listIndex, list] of parsed.lists.entries()) {
    if (listIds.has(list.listId)) problems.push(`lists[${listIndex}].listId: duplicate list id ${list.listId}`);
    listIds.add(list.listId);
    const entryIds = new Set<string>();
    for (const [entryIndex, entry] of list.entries.entries()) {
      if (entryIds.has(entry.entryId)) {
        problems.push(
          `lists[${listIndex}].entries[${entryIndex}].entryId: duplicate entry id ${entry.entryId} in ${list.listId}`,
        );
      }
      entryIds.add(entry.entryId);
    }
  }
  if (problems.length > 0) throw new WatchlistError(file, problems);

  const lists: Watchlist[] = parsed.lists.map((list) =>
    Object.freeze({
      listId: list.listId,
      name: list.name,
      owner: list.owner,
      entries: Object.freeze(
        list.entries.map((entry): WatchlistEntry => {
          const countryCode = entry.type === 'person' ? entry.nationality : entry.countryCode;
          return Object.freeze({
            entryId: entry.entryId,
            type: entry.type,
            name: entry.name,
            aliases: Object.freeze([...entry.aliases]),
            reason: entry.reason,
            ...(entry.dateOfBirth !== undefined ? { dateOfBirth: entry.dateOfBirth } : {}),
            ...(countryCode !== undefined ? { countryCode } : {}),
          });
        }),
      ),
    }),
  );
  return Object.freeze({
    source: file,
    ...(parsed.country ? { country: parsed.country } : {}),
    lists: Object.freeze(lists),
    size: lists.reduce((sum, list) => sum + list.entries.length, 0),
  });
}

/** Reads and validates one watchlist file. */
export function loadWatchlists(file: string): WatchlistSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WatchlistError(file, [`cannot read: ${error instanceof Error ? error.message : String(error)}`], {
      cause: error,
    });
  }
  return parseWatchlists(text, file);
}

/** A fixed set as a WatchlistSource (tests, embedded wiring). */
export function fixedWatchlists(set: WatchlistSet): WatchlistSource {
  return { current: () => set };
}

export interface WatchlistStoreOptions {
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
  let set = loadWatchlists(path);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const debounceMs = options.debounceMs ?? 100;

  const reload = (): WatchlistSet => {
    set = loadWatchlists(path);
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
