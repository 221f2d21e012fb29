// Reads a sharing agreement from YAML into a plain structure, keeping the line of every part so
// that later validation against the schemas can point at it. Every problem is collected; none
// stops the reading of the rest.
import { createHash } from 'node:crypto';

import { COUNTRIES, type Country } from '@puente/runtime';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';

import { parseHashKeys, type HashKeys } from './agreement-hash-keys.js';
import type { Reporter } from './agreement-reporter.js';
import { CLASSIFICATIONS, type Classification } from './condition.js';
import type { PolicyProblem } from './errors.js';
import { isNormalization, NORMALIZATIONS, type Normalization } from './hashing.js';
import { parseFieldPath, type PathSegment } from './field-path.js';
import type { Granularity, MaskStyle } from './transforms.js';

export { COUNTRIES, type Country };

export const PURPOSES = [
  'BORDER_SECURITY',
  'CUSTOMS',
  'CRIMINAL_INVESTIGATION',
  'PROSECUTION',
  'TRADE_FACILITATION',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export type FieldAction =
  | { readonly kind: 'keep' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hash'; readonly normalization: Normalization }
  | { readonly kind: 'mask'; readonly style: MaskStyle }
  | { readonly kind: 'generalize'; readonly granularity: Granularity };

export interface FieldRule {
  readonly path: string;
  readonly segments: readonly PathSegment[];
  readonly action: FieldAction;
  readonly line: number | undefined;
}

export interface RecordRule {
  readonly name: string;
  readonly index: number;
  /** CEL over `meta`, `event` and `partner`; absent means every record (that passes the built-in gates). */
  readonly when: string | null;
  readonly line: number | undefined;
  readonly whenLine: number | undefined;
  readonly fields: readonly FieldRule[];
}

export interface TopicRules {
  readonly topic: string;
  readonly line: number | undefined;
  /**
   * The topic's own ceiling, at most the agreement's (it can only lower it), or null: the
   * agreement's applies.
   */
  readonly classificationCeiling: Classification | null;
  readonly rules: readonly RecordRule[];
}

export interface AgreementDocument {
  readonly file: string;
  readonly id: string;
  readonly version: number;
  readonly title: string | null;
  readonly from: Country;
  readonly to: { readonly country: Country; readonly agencies: readonly string[] | null };
  readonly purposes: readonly Purpose[];
  /** The highest classification any record may have to leave under this agreement (a gate). */
  readonly classificationCeiling: Classification;
  readonly validFrom: Date | null;
  readonly validUntil: Date | null;
  /**
   * The keys hashes are made with, each named by the id every hash carries; null when the
   * agreement names none, 'invalid' when it names them wrongly (a problem already reported).
   */
  readonly hashKeys: HashKeys | 'invalid' | null;
  readonly topics: readonly TopicRules[];
  /** SHA-256 (hex) of the file's text: a version names one content. */
  readonly sourceDigest: string;
}

const TOP_LEVEL_KEYS = new Set([
  'id',
  'version',
  'title',
  'from',
  'to',
  'purposes',
  'classificationCeiling',
  'validFrom',
  'validUntil',
  'hashKeyEnv',
  'hashKeys',
  'topics',
]);
const ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function parseAgreementDocument(
  file: string,
  text: string,
): { document?: AgreementDocument; problems: PolicyProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: PolicyProblem[] = [];
  const lineOf = (node: Node | null | undefined): number | undefined => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const problem = (node: Node | null | undefined, at: string | undefined, message: string) => {
    const line = lineOf(node);
    problems.push({ file, ...(line === undefined ? {} : { line }), ...(at === undefined ? {} : { at }), message });
  };

  for (const error of doc.errors) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    problems.push({ file, ...(line === undefined ? {} : { line }), message: `YAML: ${error.message.split('\n')[0]}` });
  }
  if (doc.errors.length > 0) return { problems };
  const root = doc.contents;
  if (!isMap(root)) {
    problem(root, undefined, 'an agreement is a YAML mapping (id, version, from, to, purposes, topics …)');
    return { problems };
  }

  const pairs = new Map<string, Pair<unknown, unknown>>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    pairs.set(key, pair);
    if (!TOP_LEVEL_KEYS.has(key))
      problem(pair.key, key, `unknown key (expected one of ${[...TOP_LEVEL_KEYS].join(', ')})`);
  }
  const valueNode = (key: string) => pairs.get(key)?.value as Node | undefined;
  const scalar = (key: string): unknown => {
    const node = valueNode(key);
    return isScalar(node) ? node.value : undefined;
  };
  const requireString = (key: string, pattern?: RegExp, hint?: string): string | undefined => {
    const node = valueNode(key);
    const value = scalar(key);
    if (node === undefined) {
      problem(root, key, 'is required');
      return undefined;
    }
    if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
      problem(node, key, hint ?? 'must be a string');
      return undefined;
    }
    return value;
  };
  const country = (node: Node | undefined, at: string): Country | undefined => {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string' && (COUNTRIES as readonly string[]).includes(value)) return value as Country;
    problem(node ?? root, at, `must be one of ${COUNTRIES.join(', ')}`);
    return undefined;
  };
  const date = (key: string): Date | null => {
    const node = valueNode(key);
    if (node === undefined) return null;
    const value = scalar(key);
    const parsed = typeof value === 'string' ? new Date(value) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime())) {
      problem(node, key, 'must be an ISO-8601 date or timestamp, e.g. 2026-01-01 or 2026-01-01T00:00:00Z');
      return null;
    }
    return parsed;
  };

  const id = requireString('id', ID, 'must be a lower-case id of letters, digits and dashes, e.g. us-to-mx');
  const versionNode = valueNode('version');
  const version = scalar('version');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    problem(versionNode ?? root, 'version', 'must be a whole number ≥ 1');
  }
  const title = typeof scalar('title') === 'string' ? (scalar('title') as string) : null;
  const from = country(valueNode('from'), 'from');

  const toNode = valueNode('to');
  let to: AgreementDocument['to'] | undefined;
  if (isScalar(toNode)) {
    const c = country(toNode, 'to');
    if (c) to = { country: c, agencies: null };
  } else if (isMap(toNode)) {
    const c = country(toNode.get('country', true), 'to.country');
    const agenciesNode = toNode.get('agencies', true) as Node | undefined;
    let agencies: string[] | null = null;
    if (agenciesNode !== undefined) {
      if (isSeq(agenciesNode) && agenciesNode.items.every((item) => isScalar(item) && typeof item.value === 'string')) {
        agencies = agenciesNode.items.map((item) => String((item as { value: unknown }).value));
        if (agencies.length === 0)
          problem(agenciesNode, 'to.agencies', 'lists no agency (omit it to mean every agency)');
      } else {
        problem(agenciesNode, 'to.agencies', 'must be a list of agency names, e.g. [ANAM, FGR]');
      }
    }
    if (c) to = { country: c, agencies };
  } else {
    problem(toNode ?? root, 'to', 'is required: a country (MX) or { country: MX, agencies: [ANAM] }');
  }
  if (from && to && from === to.country)
    problem(toNode, 'to', `shares with its own country (${from}); agreements cross the border`);

  const purposesNode = valueNode('purposes');
  const purposes: Purpose[] = [];
  if (isSeq(purposesNode) && purposesNode.items.length > 0) {
    for (const item of purposesNode.items) {
      const value = isScalar(item) ? item.value : undefined;
      if (typeof value === 'string' && (PURPOSES as readonly string[]).includes(value)) purposes.push(value as Purpose);
      else problem(item as Node, 'purposes', `'${String(value)}' is not a purpose (${PURPOSES.join(', ')})`);
    }
  } else {
    problem(purposesNode ?? root, 'purposes', `must list at least one purpose (${PURPOSES.join(', ')})`);
  }

  const ceilingNode = valueNode('classificationCeiling');
  const ceilingValue = scalar('classificationCeiling');
  let classificationCeiling: Classification | undefined;
  if (typeof ceilingValue === 'string' && (CLASSIFICATIONS as readonly string[]).includes(ceilingValue)) {
    classificationCeiling = ceilingValue as Classification;
  } else {
    problem(
      ceilingNode ?? root,
      'classificationCeiling',
      ceilingNode === undefined
        ? `is required: the highest classification a record may have to leave (${CLASSIFICATIONS.join(' | ')})`
        : `'${String(ceilingValue)}' is not a classification (${CLASSIFICATIONS.join(' | ')})`,
    );
  }

  const validFrom = date('validFrom');
  const validUntil = date('validUntil');
  if (validFrom && validUntil && validFrom >= validUntil)
    problem(valueNode('validUntil'), 'validUntil', 'is not after validFrom');

  const legacyKey = valueNode('hashKeyEnv');
  if (legacyKey !== undefined) {
    const env = isScalar(legacyKey) && typeof legacyKey.value === 'string' ? legacyKey.value : 'PUENTE_HASH_KEY_…';
    problem(
      legacyKey,
      'hashKeyEnv',
      `is replaced by hashKeys, because hashes now name their key: write hashKeys: { current: { id: <key id>, env: ${env} } } (a key id such as usmx-2026)`,
    );
  }
  const hashKeysNode = valueNode('hashKeys');
  const hashKeys =
    parseHashKeys(hashKeysNode, { problem, lineOf, doc }) ??
    (hashKeysNode !== undefined || legacyKey !== undefined ? 'invalid' : null);

  const topics: TopicRules[] = [];
  const topicsNode = valueNode('topics');
  if (!isMap(topicsNode) || topicsNode.items.length === 0) {
    problem(topicsNode ?? root, 'topics', 'must map at least one topic to its rules');
  } else {
    for (const pair of topicsNode.items) {
      const topic = isScalar(pair.key) ? String(pair.key.value) : '';
      topics.push(
        parseTopic(topic, pair.key as Node, pair.value as Node | null, {
          problem,
          lineOf,
          doc,
          agreementCeiling: classificationCeiling,
        }),
      );
    }
  }

  // With the parties known, the rules are still checked against the schemas, so one pass reports
  // every problem; the document is only used if none was found.
  if (!from || !to) return { problems };
  return {
    problems,
    document: {
      file,
      id: id ?? 'invalid-id',
      version: typeof version === 'number' ? version : 0,
      title,
      from,
      to,
      purposes,
      classificationCeiling: classificationCeiling ?? 'PUBLIC',
      validFrom,
      validUntil,
      hashKeys,
      topics,
      sourceDigest: createHash('sha256').update(text).digest('hex'),
    },
  };
}

/**
 * A topic's `classificationCeiling`: a classification no higher than the agreement's (undefined
 * when that one is itself invalid, already reported), or null when the topic names none.
 */
function parseTopicCeiling(
  node: Node | undefined,
  at: string,
  agreementCeiling: Classification | undefined,
  { problem }: Reporter,
): Classification | null {
  if (node === undefined) return null;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'string' || !(CLASSIFICATIONS as readonly string[]).includes(value)) {
    problem(node, at, `'${String(value)}' is not a classification (${CLASSIFICATIONS.join(' | ')})`);
    return null;
  }
  const ceiling = value as Classification;
  if (agreementCeiling !== undefined && CLASSIFICATIONS.indexOf(ceiling) > CLASSIFICATIONS.indexOf(agreementCeiling)) {
    problem(
      node,
      at,
      `${ceiling} is above the agreement's classificationCeiling (${agreementCeiling}): a topic's ceiling can only lower the agreement's`,
    );
    return null;
  }
  return ceiling;
}

/**
 * The pairs of a field map with YAML merge keys (`<<: *common`) expanded in place, so rules can
 * share a field list; keys written in the map itself win over merged ones.
 */
function fieldPairs(map: Node, doc: Document, seen = new Set<Node>()): Pair<unknown, unknown>[] {
  if (!isMap(map) || seen.has(map)) return [];
  seen.add(map);
  const own = map.items.filter((pair) => !(isScalar(pair.key) && pair.key.value === '<<'));
  const ownKeys = new Set(own.map((pair) => (isScalar(pair.key) ? pair.key.value : undefined)));
  const merged: Pair<unknown, unknown>[] = [];
  for (const pair of map.items) {
    if (!(isScalar(pair.key) && pair.key.value === '<<')) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = isAlias(source) ? source.resolve(doc) : source;
      for (const inherited of fieldPairs(target as Node, doc, seen)) {
        if (!ownKeys.has(isScalar(inherited.key) ? inherited.key.value : undefined)) merged.push(inherited);
      }
    }
  }
  return [...merged, ...own];
}

function parseTopic(
  topic: string,
  keyNode: Node,
  value: Node | null,
  reporter: Reporter & { agreementCeiling: Classification | undefined },
): TopicRules {
  const { problem, lineOf, doc } = reporter;
  const at = `topics.${topic}`;
  const rules: RecordRule[] = [];
  const rulesNode = isMap(value) ? (value.get('rules', true) as Node | undefined) : undefined;
  if (isMap(value)) {
    for (const pair of value.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'rules' && key !== 'classificationCeiling')
        problem(
          pair.key as Node,
          `${at}.${key}`,
          "unknown key (a topic has 'rules' and optionally 'classificationCeiling')",
        );
    }
  }
  const classificationCeiling = parseTopicCeiling(
    isMap(value) ? value.get('classificationCeiling', true) : undefined,
    `${at}.classificationCeiling`,
    reporter.agreementCeiling,
    reporter,
  );
  if (!isSeq(rulesNode) || rulesNode.items.length === 0) {
    problem(rulesNode ?? value ?? keyNode, at, 'needs a non-empty list of rules');
    return { topic, line: lineOf(keyNode), classificationCeiling, rules };
  }
  rulesNode.items.forEach((ruleNode, index) => {
    const ruleAt = `${at}.rules[${index}]`;
    if (!isMap(ruleNode)) {
      problem(ruleNode as Node, ruleAt, 'a rule is a mapping with name, when and fields');
      return;
    }
    const rule = ruleNode;
    for (const pair of rule.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!['name', 'when', 'fields'].includes(key))
        problem(pair.key as Node, `${ruleAt}.${key}`, 'unknown key (a rule has name, when, fields)');
    }
    const nameNode = rule.get('name', true) as Node | undefined;
    const name = isScalar(nameNode) && typeof nameNode.value === 'string' ? nameNode.value : `rule-${index + 1}`;
    const whenNode = rule.get('when', true) as Node | undefined;
    let when: string | null = null;
    if (whenNode !== undefined) {
      if (isScalar(whenNode) && typeof whenNode.value === 'string' && whenNode.value.trim().length > 0)
        when = whenNode.value;
      else problem(whenNode, `${ruleAt}.when`, 'must be a CEL expression string');
    }
    const fields: FieldRule[] = [];
    const fieldsNode = rule.get('fields', true) as Node | undefined;
    const pairs = fieldsNode === undefined ? [] : fieldPairs(fieldsNode, doc);
    if (!isMap(fieldsNode) || pairs.length === 0) {
      problem(
        fieldsNode ?? ruleNode,
        `${ruleAt}.fields`,
        'must map at least one field path to an action (default deny removes the rest)',
      );
    } else {
      for (const pair of pairs) {
        const path = isScalar(pair.key) ? String(pair.key.value) : '';
        const fieldAt = `${ruleAt}.fields.${path}`;
        const segments = parseFieldPath(path);
        if (typeof segments === 'string') {
          problem(pair.key as Node, fieldAt, segments);
          continue;
        }
        const action = parseAction(pair.value as Node | null);
        if (typeof action === 'string') {
          problem((pair.value as Node | null) ?? (pair.key as Node), fieldAt, action);
          continue;
        }
        fields.push({ path, segments, action, line: lineOf(pair.key as Node) });
      }
    }
    rules.push({ name, index, when, line: lineOf(ruleNode), whenLine: lineOf(whenNode), fields });
  });
  return { topic, line: lineOf(keyNode), classificationCeiling, rules };
}

const ACTION_HINT = `must be keep, drop, hash, { hash: ${NORMALIZATIONS.join(' | ')} }, { mask: initials | last4 | redact } or { generalize: year | month }`;

function parseAction(node: Node | null): FieldAction | string {
  if (isScalar(node)) {
    if (node.value === 'keep' || node.value === 'drop') return { kind: node.value };
    // A plain `hash` hashes the value as it is written.
    if (node.value === 'hash') return { kind: 'hash', normalization: 'exact' };
    return `'${String(node.value)}' ${ACTION_HINT}`;
  }
  if (isMap(node) && node.items.length === 1) {
    const pair = node.items[0];
    const key = isScalar(pair?.key) ? pair.key.value : undefined;
    const value = isScalar(pair?.value) ? pair.value.value : undefined;
    if (key === 'mask' && (value === 'initials' || value === 'last4' || value === 'redact')) {
      return { kind: 'mask', style: value };
    }
    if (key === 'generalize' && (value === 'year' || value === 'month'))
      return { kind: 'generalize', granularity: value };
    if (key === 'hash') {
      if (typeof value === 'string' && isNormalization(value)) return { kind: 'hash', normalization: value };
      return `'${String(value)}' is not a normalisation: { hash: ${NORMALIZATIONS.join(' | ')} }`;
    }
  }
  return ACTION_HINT;
}
