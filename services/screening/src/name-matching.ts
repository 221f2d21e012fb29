// Name matching for watchlist screening: normalises names the way border data really varies
// (accents, punctuation, corporate suffixes, Spanish particles and double surnames, word order,
// "Last, First" form, small typos) and scores two names in [0, 1].
//
// How a score is made:
//  1. normalise both names into tokens (see `nameTokens`);
//  2. compare every token pair: Jaro–Winkler averaged with a normalised Damerau–Levenshtein
//     similarity (JW alone over-rewards shared prefixes such as "Martin"/"Martinez"); two
//     tokens with the same Spanish phonetic key ("Valdez"/"Baldes") score at least 0.95; a
//     single-letter initial matches a token with that first letter at 0.85;
//  3. pair tokens greedily, best similarity first (each token used once); pairs under
//     TOKEN_FLOOR do not count, so "Norte" never half-matches "Sur"; imperfect pairs count
//     for less than their similarity (TYPO_PENALTY), so only near-exact names confirm;
//  4. coverage of each side = matched weight / that side's weight (generic business words such
//     as "Transportes" or "Group" weigh half, so the distinctive token decides);
//     score = 0.75 × the better coverage + 0.25 × the worse one. A name that omits a second
//     surname or a middle name therefore stays a strong but not a confirmed match, while two
//     people sharing one common surname stay far below threshold.

export interface MatchThresholds {
  /** At or above: POTENTIAL_MATCH (refer for review). */
  readonly potential: number;
  /** At or above: CONFIRMED_MATCH. */
  readonly confirmed: number;
}

export const DEFAULT_THRESHOLDS: MatchThresholds = Object.freeze({ potential: 0.85, confirmed: 0.95 });

/** Token pairs below this similarity count as unmatched. */
const TOKEN_FLOOR = 0.8;
/**
 * How much an imperfect token pair loses: its contribution is 1 − TYPO_PENALTY × (1 − similarity),
 * so one typo in a two-token name lands in the potential band, not the confirmed one.
 */
const TYPO_PENALTY = 2;
/** Weight of the better-covered side in the final score. */
const BETTER_SIDE_WEIGHT = 0.75;
/** Weight of a generic business word relative to a distinctive one. */
const GENERIC_WEIGHT = 0.5;

/**
 * Characters NFD does not decompose into base letter + combining mark. Deliberately modest:
 * Latin ligatures and special letters only; no script conversion (Cyrillic, Arabic …).
 */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
  '&': ' and ',
  '@': ' at ',
};

/** Connecting words dropped when comparing ("Lomas del Bravo" ~ "Lomas Bravo"). */
const PARTICLES = new Set(['de', 'del', 'la', 'las', 'los', 'el', 'y', 'da', 'dos', 'van', 'von', 'the', 'of', 'and']);

/**
 * Legal-form suffixes, as token sequences after normalisation (dots removed, runs of single
 * letters joined: "S. A. de C. V." → sa de cv). Removed from the end of a name, repeatedly.
 */
const CORPORATE_SUFFIXES: readonly (readonly string[])[] = [
  ['s', 'de', 'rl', 'de', 'cv'],
  ['s', 'en', 'c', 'de', 'cv'],
  ['sapi', 'de', 'cv'],
  ['sab', 'de', 'cv'],
  ['sa', 'de', 'cv'],
  ['spr', 'de', 'rl'],
  ['spr', 'de', 'ri'],
  ['sc', 'de', 'rl'],
  ['s', 'de', 'rl'],
  ['s', 'de', 'ri'],
  ['sociedad', 'anonima'],
  ['de', 'cv'],
  ['sa', 'cv'],
  ['sacv'],
  ['sadecv'],
  ['sa'],
  ['sc'],
  ['ac'],
  ['sas'],
  ['srl'],
  ['sl'],
  ['llc'],
  ['lllp'],
  ['llp'],
  ['lp'],
  ['inc'],
  ['incorporated'],
  ['corp'],
  ['corporation'],
  ['co'],
  ['company'],
  ['cia'],
  ['ltd'],
  ['limited'],
  ['plc'],
  ['gmbh'],
  ['ag'],
  ['bv'],
  ['nv'],
];

/** Common words of trade names that say little about which company it is. */
const GENERIC_WORDS = new Set([
  'agencia',
  'aduanal',
  'autotransportes',
  'comercial',
  'comercializadora',
  'distribuidora',
  'distribution',
  'distributors',
  'enterprises',
  'empresas',
  'exportadora',
  'export',
  'freight',
  'global',
  'group',
  'grupo',
  'holdings',
  'importadora',
  'import',
  'industrial',
  'industrias',
  'industries',
  'international',
  'internacional',
  'logistica',
  'logistics',
  'servicios',
  'services',
  'trading',
  'transport',
  'transportation',
  'transportes',
  'trucking',
]);

/** Lower-case, accents stripped, ligatures transliterated; punctuation still present. */
export function foldName(name: string): string {
  let out = '';
  for (const char of name) out += TRANSLITERATIONS[char] ?? char;
  return out
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Splits "Last, First" into "First Last"; only a single comma with words on both sides counts. */
function reorderCommaForm(folded: string): string {
  const parts = folded.split(',');
  if (parts.length !== 2) return folded;
  const [last, first] = parts as [string, string];
  const firstText = first.trim();
  // "Foo Trading, S.A. de C.V." or "Foo, Inc." is a suffix, not a given name.
  if (!firstText || stripSuffixes(baseTokens(firstText)).length === 0) return folded;
  return `${firstText} ${last.trim()}`;
}

function baseTokens(text: string): string[] {
  const raw = text
    .replace(/['’`´.]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  // Join runs of single letters: "s a de c v" → "sa de cv", "l l c" → "llc".
  const tokens: string[] = [];
  let run = '';
  for (const token of raw) {
    if (token.length === 1 && /\p{L}/u.test(token)) {
      run += token;
      continue;
    }
    if (run) tokens.push(run);
    run = '';
    tokens.push(token);
  }
  if (run) tokens.push(run);
  return tokens;
}

function endsWith(tokens: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > tokens.length) return false;
  const offset = tokens.length - suffix.length;
  return suffix.every((token, index) => tokens[offset + index] === token);
}

function stripSuffixes(tokens: readonly string[]): string[] {
  let current = [...tokens];
  for (;;) {
    const suffix = CORPORATE_SUFFIXES.find((candidate) => endsWith(current, candidate));
    if (!suffix) return current;
    current = current.slice(0, current.length - suffix.length);
  }
}

/**
 * The comparable tokens of a name: folded, "Last, First" reordered, punctuation removed,
 * corporate suffixes and particles dropped (unless nothing would be left).
 */
export function nameTokens(name: string): string[] {
  const folded = reorderCommaForm(foldName(name));
  const tokens = baseTokens(folded);
  const withoutSuffix = stripSuffixes(tokens);
  const base = withoutSuffix.length > 0 ? withoutSuffix : tokens;
  const withoutParticles = base.filter((token) => !PARTICLES.has(token));
  return withoutParticles.length > 0 ? withoutParticles : base;
}

/** The normalised form of a name: its comparable tokens joined by single spaces. */
export function normalizeName(name: string): string {
  return nameTokens(name).join(' ');
}

/**
 * A rough Spanish/English phonetic key for one token: spellings that sound alike in Mexican
 * Spanish collapse (v/b, z/s, soft c/s, ll/y, silent h, qu/k, hard c/k, ph/f), then doubled
 * letters collapse. Used only to lift similarity of tokens that already look alike.
 */
export function phoneticKey(token: string): string {
  return token
    .replace(/ph/g, 'f')
    .replace(/(^|[^cs])h/g, '$1')
    .replace(/ll/g, 'y')
    .replace(/v/g, 'b')
    .replace(/z/g, 's')
    .replace(/c([ei])/g, 's$1')
    .replace(/qu/g, 'k')
    .replace(/c/g, 'k')
    .replace(/(.)\1+/g, '$1');
}

export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = true;
      bMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[k]) k++;
    if (a[i] !== b[k]) transpositions++;
    k++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions). */
export function damerauLevenshtein(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}

/** Similarity of two normalised tokens in [0, 1]. */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 1 || b.length === 1) {
    // An initial stands for a name with that first letter ("J." ~ "Jose").
    return a[0] === b[0] ? 0.85 : 0;
  }
  const editSimilarity = 1 - damerauLevenshtein(a, b) / Math.max(a.length, b.length);
  const similarity = (jaroWinkler(a, b) + editSimilarity) / 2;
  return phoneticKey(a) === phoneticKey(b) ? Math.max(similarity, 0.95) : similarity;
}

const weightOf = (token: string): number => (GENERIC_WORDS.has(token) ? GENERIC_WEIGHT : 1);

function scoreTokens(left: readonly string[], right: readonly string[]): number {
  if (!left.length || !right.length) return 0;
  const pairs: { i: number; j: number; similarity: number }[] = [];
  for (let i = 0; i < left.length; i++) {
    for (let j = 0; j < right.length; j++) {
      const similarity = tokenSimilarity(left[i] ?? '', right[j] ?? '');
      if (similarity >= TOKEN_FLOOR) pairs.push({ i, j, similarity: 1 - TYPO_PENALTY * (1 - similarity) });
    }
  }
  // Greedy assignment, best pair first; ties prefer the same position (keeps order when equal).
  pairs.sort((p, q) => q.similarity - p.similarity || Math.abs(p.i - p.j) - Math.abs(q.i - q.j));
  const usedLeft = new Set<number>();
  const usedRight = new Set<number>();
  let leftMatched = 0;
  let rightMatched = 0;
  for (const pair of pairs) {
    if (usedLeft.has(pair.i) || usedRight.has(pair.j)) continue;
    usedLeft.add(pair.i);
    usedRight.add(pair.j);
    leftMatched += pair.similarity * weightOf(left[pair.i] ?? '');
    rightMatched += pair.similarity * weightOf(right[pair.j] ?? '');
  }
  const total = (tokens: readonly string[]) => tokens.reduce((sum, token) => sum + weightOf(token), 0);
  const leftCoverage = leftMatched / total(left);
  const rightCoverage = rightMatched / total(right);
  const better = Math.max(leftCoverage, rightCoverage);
  const worse = Math.min(leftCoverage, rightCoverage);
  return Math.min(1, BETTER_SIDE_WEIGHT * better + (1 - BETTER_SIDE_WEIGHT) * worse);
}

/** Similarity of two names in [0, 1]; symmetric; 1 for names equal after normalisation. */
export function similarity(a: string, b: string): number {
  const left = nameTokens(a);
  const right = nameTokens(b);
  if (left.length && left.join(' ') === right.join(' ')) return 1;
  return scoreTokens(left, right);
}

export interface NameEntry {
  readonly name: string;
  readonly aliases?: readonly string[];
}

export interface NameMatch {
  /** Best similarity over the entry's name and aliases. */
  readonly score: number;
  /** The name or alias of the entry that scored best. */
  readonly matchedName: string;
}

/** Scores a query against an entry's name and every alias, keeping the best. */
export function matchName(query: string, entry: NameEntry): NameMatch {
  let best: NameMatch = { score: similarity(query, entry.name), matchedName: entry.name };
  for (const alias of entry.aliases ?? []) {
    if (best.score === 1) break;
    const score = similarity(query, alias);
    if (score > best.score) best = { score, matchedName: alias };
  }
  return best;
}

export type MatchOutcome = 'CLEAR' | 'POTENTIAL_MATCH' | 'CONFIRMED_MATCH';

export function outcomeOf(score: number, thresholds: MatchThresholds = DEFAULT_THRESHOLDS): MatchOutcome {
  if (score >= thresholds.confirmed) return 'CONFIRMED_MATCH';
  if (score >= thresholds.potential) return 'POTENTIAL_MATCH';
  return 'CLEAR';
}
