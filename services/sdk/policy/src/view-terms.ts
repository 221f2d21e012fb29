// The terms the view compiler's parts share (view.ts, domestic-only.ts): a rule's field actions as
// a tree by agreement path, the decision taken for each leaf field, and the problems compiling reports.
import type { FieldAction } from './agreement-document.js';
import type { KeyRing, Normalization } from './hashing.js';

export interface ViewProblem {
  readonly message: string;
  readonly line: number | undefined;
  readonly at: string;
}

export interface ActionNode {
  action?: FieldAction;
  line?: number;
  path: string;
  readonly fields: Map<string, ActionNode>;
  items?: ActionNode;
}

export interface FieldDecision {
  /** Leaf path in the source schema, e.g. `driver.documents[*].number`. */
  readonly path: string;
  readonly action: 'keep' | 'drop' | 'removed' | 'hash' | `mask:${string}` | `generalize:${string}`;
  /** The agreement path that decided it; null when nothing mentions it (default deny). */
  readonly decidedBy: string | null;
  /** The schema marks it (or a record holding it) `puente.domesticOnly`: it never leaves (an agreement releasing it does not load). */
  readonly domesticOnly: boolean;
  /** For hash: the normalisation applied first ('document-number', 'name', 'exact'). */
  readonly normalization?: Normalization;
  /** For hash: the ids of the keys hashed with, current first (two during a rotation's overlap). */
  readonly keyIds?: readonly string[];
}

export const actionLabel = (action: FieldAction): FieldDecision['action'] =>
  action.kind === 'mask'
    ? `mask:${action.style}`
    : action.kind === 'generalize'
      ? `generalize:${action.granularity}`
      : action.kind;

export interface ShapeContext {
  readonly problems: ViewProblem[];
  readonly ruleAt: string;
  readonly hashing: { readonly ring: KeyRing; readonly at: number } | undefined;
  /** The ids of the keys hashes carry in this phase (shared by every hash decision). */
  readonly keyIds: readonly string[];
  readonly decisions: FieldDecision[];
  /** Inside a field the schema marks `puente.domesticOnly`. */
  readonly domestic: boolean;
}

/** Where an inherited action came from, for decisions and error messages. */
export interface Inherited {
  readonly action: FieldAction;
  readonly from: ActionNode | undefined;
}
