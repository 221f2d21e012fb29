// Compiles a validated agreement document into per-topic policies: record gates, CEL conditions
// and generated projectors, plus the derived view schema. Compilation happens once at load;
// applying a policy never looks at the agreement text again.
import type { Type } from 'avsc';

import type { AgreementDocument, Country, Purpose, RecordRule } from './agreement-document.js';
import {
  createConditionCompiler,
  type Classification,
  type CompiledCondition,
  type Gate,
  type Partner,
} from './condition.js';
import type { PolicyProblem } from './errors.js';
import { internalsOf } from '@puente/contracts/avsc';
import { compileSkip } from '@puente/contracts/binary';
import { generateByteProjector, ViewWriter, type ByteProjector } from './byte-projector.js';
import { gates, type Withheld } from './gates.js';
import { keyRing, type KeyRingOptions } from './key-ring.js';
import { generateProjector, type ObjectProjector } from './object-projector.js';
import { compileView, type CompiledView } from './view.js';
import type { FieldDecision } from './view-terms.js';

export type Decision =
  | {
      readonly admitted: true;
      readonly rule: string;
      readonly view: Record<string, unknown>;
      /** What the admitting rule does to every leaf field (static per rule; shared, not copied). */
      readonly fields: readonly FieldDecision[];
    }
  | {
      readonly admitted: false;
      readonly rule: null;
      readonly reason: string;
      /** The gate that withheld the record before any rule; null when no rule admitted it. */
      readonly gate: Gate | null;
    };

/** A decision taken from the event's Avro: the view as Avro, and the event's decoded `meta`. */
export type BytesDecision =
  | {
      readonly admitted: true;
      readonly rule: string;
      /** The view's Avro, after `reserve` bytes left for the caller (e.g. its framing). */
      readonly viewBytes: Buffer;
      readonly fields: readonly FieldDecision[];
      readonly meta: Record<string, unknown>;
    }
  | {
      readonly admitted: false;
      readonly rule: null;
      readonly reason: string;
      readonly gate: Gate | null;
      readonly meta: Record<string, unknown>;
    };

export interface RuleEvaluation {
  readonly rule: string;
  readonly condition: string | null;
  /** true / false, or the error that made the condition fail (an error never admits). */
  readonly result: boolean | { readonly error: string };
}

export interface Explanation {
  readonly agreement: { readonly id: string; readonly version: number; readonly file: string };
  readonly topic: string;
  readonly partner: Partner;
  readonly decision: 'admitted' | 'withheld';
  /** Why: the admitting rule, or the gate / missing rule that withheld the record. */
  readonly reason: string;
  /** The gate that withheld the record before any rule; null when it passed every gate. */
  readonly gate: Gate | null;
  readonly rule: string | null;
  readonly evaluations: readonly RuleEvaluation[];
  /** For an admitted record, what happened to every leaf field of the source schema. */
  readonly fields: readonly FieldDecision[];
}

export interface TopicPolicy {
  readonly agreementId: string;
  readonly agreementVersion: number;
  readonly topic: string;
  /** Catalog subject of the view schema: `<topic>-view-<agreement id>-value`. */
  readonly viewSubject: string;
  readonly viewSchema: Record<string, unknown>;
  /** The ceiling this topic's records are held to: its own when the agreement gives one, else the agreement's. */
  readonly classificationCeiling: Classification;
  /** The topic's own ceiling (`topics.<topic>.classificationCeiling`); null when it uses the agreement's. */
  readonly topicCeiling: Classification | null;
  /** Names of the topic's rules, in agreement order. */
  readonly ruleNames: readonly string[];
  /**
   * Until this time (ms since the epoch) hashed fields also carry the previous key's hash: the
   * same record's view before it differs from its view after. -Infinity without an overlap.
   */
  readonly hashOverlapUntil: number;
  apply(event: Record<string, unknown>, partner: Partner, now?: number): Decision;
  /**
   * The decision apply() takes, from the event's Avro in the topic's current schema (`source`
   * from `offset` to its end), without decoding what the view does not transform. Undefined
   * when it cannot be taken that way (a rule condition reads `event`, a rule has no byte
   * projection, bytes it cannot confirm): decode the event and call apply().
   */
  applyBytes(
    source: Buffer,
    offset: number,
    partner: Partner,
    options?: { readonly reserve?: number; readonly now?: number },
  ): BytesDecision | undefined;
  explain(event: Record<string, unknown>, partner: Partner, now?: number): Explanation;
}

export interface CompiledAgreement {
  readonly id: string;
  readonly version: number;
  readonly file: string;
  readonly title: string | null;
  readonly from: Country;
  readonly to: AgreementDocument['to'];
  readonly purposes: readonly Purpose[];
  /** No record above this classification leaves under the agreement, whatever its rules say. */
  readonly classificationCeiling: Classification;
  readonly validFrom: Date | null;
  readonly validUntil: Date | null;
  readonly topics: ReadonlyMap<string, TopicPolicy>;
  /** SHA-256 (hex) of the agreement file's text: the content its version names. */
  readonly sourceDigest: string;
  /** Whether the agreement covers this partner (country, and agency when it names agencies). */
  covers(partner: Partner): boolean;
}

/** Where schemas come from, plus the key ring's `secret` and load clock `now` (key-ring.ts). */
export interface CompileOptions extends KeyRingOptions {
  /** The root Avro type of a topic, or undefined for a topic the catalog does not know. */
  readonly schemaFor: (topic: string) => Type | undefined;
}

export function compileAgreement(
  document: AgreementDocument,
  options: CompileOptions,
): { agreement?: CompiledAgreement; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const file = document.file;
  const push = (line: number | undefined, at: string, message: string) =>
    problems.push({ file, ...(line === undefined ? {} : { line }), at, message });

  const ring = keyRing(document, options, push);

  const namespace = `org.puente.v1.view.${document.id.replace(/-/g, '_')}`;
  const topics = new Map<string, TopicPolicy>();
  for (const topicRules of document.topics) {
    const topicAt = `topics.${topicRules.topic}`;
    const rootType = options.schemaFor(topicRules.topic);
    if (!rootType) {
      push(topicRules.line, topicAt, `unknown topic '${topicRules.topic}' (not in the schema catalog)`);
      continue;
    }
    const owner = topicRules.topic.split('.')[0]?.toUpperCase();
    if (owner !== document.from) {
      push(
        topicRules.line,
        topicAt,
        `is ${owner ?? '?'} data, but this agreement shares ${document.from}'s: only the owning country shares a topic`,
      );
      continue;
    }
    const conditions = createConditionCompiler(rootType);
    const compiledConditions: (CompiledCondition | null)[] = topicRules.rules.map((rule) => {
      if (rule.when === null) return null;
      const compiled = conditions.compile(rule.when);
      if (typeof compiled === 'string') {
        push(
          rule.whenLine ?? rule.line,
          `${topicAt}.rules[${rule.index}].when`,
          `condition does not compile: ${compiled}`,
        );
        return null;
      }
      return compiled;
    });
    // Hashes carry the previous key until the overlap ends: one projection per phase, both
    // compiled now, so a record costs one comparison and its decisions name exactly the keys used.
    const viewOptions = { rootType, rules: topicRules.rules, namespace };
    const { view, problems: viewProblems } = compileView(
      { ...viewOptions, hashing: ring && { ring, at: -Infinity } },
      topicAt,
    );
    for (const problem of viewProblems) push(problem.line, problem.at, problem.message);
    if (!view) continue;
    const before = phaseOf(view, rootType);
    const afterView = ring?.previous
      ? compileView({ ...viewOptions, hashing: { ring, at: Infinity } }, topicAt).view
      : view;
    if (!afterView) throw new Error(`internal: ${topicAt} compiles only before the key overlap ends`);
    topics.set(
      topicRules.topic,
      createTopicPolicy({
        document,
        topic: topicRules.topic,
        topicCeiling: topicRules.classificationCeiling,
        rules: topicRules.rules,
        conditions: compiledConditions,
        rootType,
        viewSchema: view.schema,
        before,
        after: afterView === view ? before : phaseOf(afterView, rootType),
        overlapUntil: ring?.previous?.until ?? -Infinity,
      }),
    );
  }
  if (problems.length > 0) return { problems };
  const covers = (partner: Partner) =>
    partner.country === document.to.country &&
    (document.to.agencies === null || document.to.agencies.includes(partner.agency));
  return {
    problems,
    agreement: {
      id: document.id,
      version: document.version,
      file,
      title: document.title,
      from: document.from,
      to: document.to,
      purposes: document.purposes,
      classificationCeiling: document.classificationCeiling,
      validFrom: document.validFrom,
      validUntil: document.validUntil,
      topics,
      sourceDigest: document.sourceDigest,
      covers,
    },
  };
}

/** What each rule does to a record while the hash keys are as they are: projectors and decisions. */
interface Phase {
  readonly projectors: readonly ObjectProjector[];
  readonly byteProjectors: readonly (ByteProjector | undefined)[];
  readonly decisions: readonly (readonly FieldDecision[])[];
}

function phaseOf(view: CompiledView, rootType: Type): Phase {
  return {
    projectors: view.ruleShapes.map((shape) => generateProjector(shape, view.root)),
    byteProjectors: view.ruleShapes.map((shape) => generateByteProjector(shape, view.root, rootType)),
    decisions: view.decisions,
  };
}

interface TopicPolicyParts {
  readonly document: AgreementDocument;
  readonly topic: string;
  /** The topic's own ceiling (at most the agreement's), or null: the agreement's applies. */
  readonly topicCeiling: Classification | null;
  readonly rules: readonly RecordRule[];
  readonly conditions: readonly (CompiledCondition | null)[];
  readonly rootType: Type;
  readonly viewSchema: Record<string, unknown>;
  /** Before the previous hash key's overlap ends (`overlapUntil`), and after. */
  readonly before: Phase;
  readonly after: Phase;
  readonly overlapUntil: number;
}

/** One writer for every byte projection: applyBytes runs to completion before the next starts. */
const viewWriter = new ViewWriter();

function createTopicPolicy(parts: TopicPolicyParts): TopicPolicy {
  const { document, topic, rules, conditions, before, after, overlapUntil } = parts;
  const phaseAt = (now: number): Phase => (now < overlapUntil ? before : after);
  const closedBy = gates(document, topic, parts.topicCeiling);

  /** The index of the rule that admits the event, or the gate / missing rule that withholds it. */
  const choose = (event: Record<string, unknown>, partner: Partner, now: number): number | Withheld => {
    const closed = closedBy(event, partner, now);
    if (closed !== null) return closed;
    for (let i = 0; i < rules.length; i++) if (evaluateRule(i, event, partner) === true) return i;
    return noRule;
  };
  const noRule: Withheld = {
    gate: null,
    reason: `no rule of agreement ${document.id} v${document.version} admits the record`,
  };

  // Taking decisions from bytes needs `meta` as the first field, conditions that read only
  // `meta` and `partner`, and a byte projection for every rule.
  const rootFields = internalsOf(parts.rootType).fields;
  const metaType = rootFields?.[0]?.name === 'meta' ? rootFields[0].type : undefined;
  const byBytes =
    conditions.every((condition) => condition === null || !condition.readsEvent) &&
    [before, after].every((phase) => phase.byteProjectors.every((projector) => projector !== undefined));
  const skipEvent = byBytes ? compileSkip(parts.rootType, new Map(), false) : undefined;

  const evaluateRule = (index: number, event: Record<string, unknown>, partner: Partner): RuleEvaluation['result'] => {
    const condition = conditions[index];
    if (!condition) return true;
    const result = condition.evaluate(event, partner);
    return result.ok ? result.value : { error: result.error };
  };

  return {
    agreementId: document.id,
    agreementVersion: document.version,
    topic,
    hashOverlapUntil: overlapUntil,
    viewSubject: `${topic}-view-${document.id}-value`,
    viewSchema: parts.viewSchema,
    classificationCeiling: parts.topicCeiling ?? document.classificationCeiling,
    topicCeiling: parts.topicCeiling ?? null,
    ruleNames: rules.map((rule) => rule.name),
    apply(event, partner, now = Date.now()) {
      const chosen = choose(event, partner, now);
      if (typeof chosen !== 'number') return { admitted: false, rule: null, reason: chosen.reason, gate: chosen.gate };
      const phase = phaseAt(now);
      const project = phase.projectors[chosen];
      const rule = rules[chosen];
      if (!project || !rule) throw new Error(`internal: rule ${chosen} has no projector`);
      return { admitted: true, rule: rule.name, view: project(event), fields: phase.decisions[chosen] ?? [] };
    },
    applyBytes(source, offset, partner, options = {}) {
      if (!byBytes || !metaType || !skipEvent) return undefined;
      try {
        // `meta` comes first in every event: decoded for the gate and the conditions, which read nothing else.
        const read = metaType.decode(source, offset);
        if (read.offset < 0) return undefined;
        const meta = read.value as Record<string, unknown>;
        const now = options.now ?? Date.now();
        const chosen = choose({ meta }, partner, now);
        if (typeof chosen !== 'number') {
          // Withheld, but only if the rest decodes too: a damaged event is the decoding path's to report.
          const cursor = { buf: source, pos: offset };
          return skipEvent(cursor) && cursor.pos === source.length
            ? { admitted: false, rule: null, reason: chosen.reason, gate: chosen.gate, meta }
            : undefined;
        }
        const phase = phaseAt(now);
        const project = phase.byteProjectors[chosen];
        const rule = rules[chosen];
        if (!project || !rule) return undefined;
        const cursor = { buf: source, pos: offset };
        viewWriter.reset(options.reserve ?? 0);
        if (!project(cursor, viewWriter) || cursor.pos !== source.length) return undefined;
        return {
          admitted: true,
          rule: rule.name,
          viewBytes: viewWriter.take(),
          fields: phase.decisions[chosen] ?? [],
          meta,
        };
      } catch {
        // Whatever went wrong (a value avsc refuses, a transform failing) happens again on the
        // decoding path, which reports it as it always has.
        return undefined;
      }
    },
    explain(event, partner, now = Date.now()) {
      const base = {
        agreement: { id: document.id, version: document.version, file: document.file },
        topic,
        partner,
      };
      const closed = closedBy(event, partner, now);
      if (closed !== null) {
        return {
          ...base,
          decision: 'withheld',
          reason: closed.reason,
          gate: closed.gate,
          rule: null,
          evaluations: [],
          fields: [],
        };
      }
      const evaluations: RuleEvaluation[] = [];
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i];
        if (!rule) continue;
        const result = evaluateRule(i, event, partner);
        evaluations.push({ rule: rule.name, condition: rule.when, result });
        if (result === true) {
          return {
            ...base,
            decision: 'admitted',
            reason:
              rule.when === null ? `rule '${rule.name}' admits every record` : `rule '${rule.name}': ${rule.when}`,
            gate: null,
            rule: rule.name,
            evaluations,
            fields: phaseAt(now).decisions[i] ?? [],
          };
        }
      }
      return {
        ...base,
        decision: 'withheld',
        reason: noRule.reason,
        gate: null,
        rule: null,
        evaluations,
        fields: [],
      };
    },
  };
}
