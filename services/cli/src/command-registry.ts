// How a command group declares its commands (cli.ts implements it): kept apart so that the
// command files and cli.ts do not import each other.
import type { Command } from 'commander';

import type { CommandContext } from './command-context.js';
import type { ExitCode } from './exit-codes.js';

/** What a command group needs to declare its commands. */
export interface CommandRegistry {
  /** A leaf command with the shared options; `run` gets the command's context and its arguments. */
  leaf(
    parent: Command,
    name: string,
    description: string,
    run: (context: CommandContext, args: unknown[], options: Record<string, unknown>) => Promise<ExitCode | void>,
    setup?: (command: Command) => void,
  ): Command;
}
