// Errors of the policy engine. Loading reports every problem at once, each with the file, line
// and path it concerns, so an operator fixes an agreement in one pass.
import { PuenteError } from '@puente/runtime';

export interface PolicyProblem {
  readonly file: string;
  /** 1-based line in the agreement file, when the problem points at one. */
  readonly line?: number;
  /** Where in the agreement: `topics.us.cargo-manifests.v1.rules[0].fields.driver.licence`. */
  readonly at?: string;
  readonly message: string;
}

export function formatProblem(problem: PolicyProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.at ? `${problem.at}: ` : ''}${problem.message}`;
}

export type PolicyErrorCode = 'INVALID_AGREEMENT' | 'NO_AGREEMENT' | 'EVALUATION_FAILED';

/** Never retriable: the same agreement or record fails the same way again. */
export class PolicyError extends PuenteError<PolicyErrorCode> {
  override readonly name = 'PolicyError';
  readonly problems: readonly PolicyProblem[];

  constructor(options: {
    code: PolicyErrorCode;
    message: string;
    problems?: readonly PolicyProblem[];
    cause?: unknown;
  }) {
    super({ code: options.code, message: options.message, cause: options.cause });
    this.problems = options.problems ?? [];
  }

  static invalid(problems: readonly PolicyProblem[]): PolicyError {
    const lines = problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n');
    return new PolicyError({
      code: 'INVALID_AGREEMENT',
      message: `${problems.length} problem(s) in sharing agreement(s):\n${lines}`,
      problems,
    });
  }
}
