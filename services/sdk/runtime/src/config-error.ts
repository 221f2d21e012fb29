// The one error a service's configuration loader throws: every problem with the environment,
// listed at once, so an operator fixes them in one go instead of one restart per mistake.
import { PuenteError } from './errors.js';

export class ConfigError extends PuenteError<'INVALID_CONFIG'> {
  override readonly name = 'ConfigError';
  /** One line per problem, e.g. `KAFKA_BROKERS: Required`. */
  readonly problems: readonly string[];

  /** `subject` names what is configured, as in "invalid <subject> configuration". */
  constructor(subject: string, problems: readonly string[]) {
    super({ code: 'INVALID_CONFIG', message: `invalid ${subject} configuration:\n  - ${problems.join('\n  - ')}` });
    this.problems = problems;
  }
}
