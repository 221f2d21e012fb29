// The `puente` program: commander wiring of every command group, the options they share, and
// one place where a command's outcome becomes an exit code and its error a short message.
import { Command, CommanderError, Option } from 'commander';

import type { CliIo } from './cli-io.js';
import type { CommandRegistry } from './command-registry.js';
import { createCommandContext, type CommandContext } from './command-context.js';
import type { ConnectionFlags } from './config/connection.js';
import { CliError, ExitCode, usageError } from './exit-codes.js';
import { printable } from './format/printable.js';
import { commanderMessage, helpAfterError, helpConfiguration } from './i18n/help.js';
import { createMessages, langFromEnv, LANGS, type Lang, type Messages } from './i18n/messages.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerLagCommand } from './commands/lag.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerPublishCommand } from './commands/publish.js';
import { registerSchemasCommands } from './commands/schemas.js';
import { registerTailCommand } from './commands/tail.js';
import { registerTopicsCommands } from './commands/topics.js';

/** Options every command takes (also before the command name, kubectl style). */
function addSharedOptions(command: Command, { recordKey }: { recordKey: boolean }): Command {
  command
    .option('--json', 'machine-readable output (JSON; JSON Lines for records and disclosures)')
    .option('--lang <lang>', 'language of messages: en or es (default: from LC_ALL, LC_MESSAGES, LANG)')
    .option('--address <host:port>', 'gateway address (env PUENTE_ADDRESS; default 127.0.0.1:50051)')
    .option('--token <token>', 'bearer token (env PUENTE_TOKEN)')
    .option('--token-file <file>', 'file holding the bearer token (env PUENTE_TOKEN_FILE)')
    .option('--ca <file>', 'CA certificate: use TLS (env PUENTE_CA_FILE)')
    .option('--cert <file>', 'client certificate for mutual TLS (env PUENTE_CERT_FILE)')
    .option('--client-key <file>', 'client private key for mutual TLS (env PUENTE_KEY_FILE)')
    .option('--context <name>', 'context of the config file (env PUENTE_CONTEXT)');
  // `tail --key` selects records by key (as kcat's -k); elsewhere --key is the client key.
  if (!recordKey) command.addOption(new Option('--key <file>', 'same as --client-key').hideHelp());
  return command;
}

interface SharedOptions extends ConnectionFlags {
  readonly json: boolean;
  readonly lang: string | undefined;
}

/** Shared options of a command and its ancestors; the one nearest the command wins. */
function sharedOptionsOf(command: Command): SharedOptions {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    const o = c.opts<Record<string, unknown>>();
    for (const name of ['json', 'lang', 'address', 'token', 'tokenFile', 'ca', 'cert', 'clientKey', 'context']) {
      if (o[name] !== undefined) merged[name] = o[name];
    }
    if (c.name() !== 'tail' && o['key'] !== undefined) merged['clientKey'] = o['key'];
  }
  return merged as unknown as SharedOptions;
}

function messagesFor(lang: string | undefined, env: CliIo['env']): Messages {
  if (lang === undefined) return createMessages(langFromEnv(env));
  if (!LANGS.includes(lang as Lang)) {
    throw usageError(createMessages(langFromEnv(env)).t('error.lang', { lang }));
  }
  return createMessages(lang as Lang);
}

export interface Cli {
  readonly program: Command;
  /** Exit code of the last command run (set by its action). */
  readonly exitCode: () => ExitCode;
}

/**
 * The language of commander's own messages and help, which it prints while still parsing: the
 * last `--lang` of the command line (the one nearest the command), else the locale. An invalid
 * value is reported by the command itself (error.lang).
 */
export function langOfArgv(argv: readonly string[], env: CliIo['env']): Lang {
  let lang: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i += 1) {
    const arg = argv[i]!;
    if (arg === '--lang') lang = argv[(i += 1)];
    else if (arg.startsWith('--lang=')) lang = arg.slice('--lang='.length);
  }
  return LANGS.includes(lang as Lang) ? (lang as Lang) : langFromEnv(env);
}

export function createCli(io: CliIo, lang: Lang = langFromEnv(io.env)): Cli {
  let exitCode: ExitCode = ExitCode.OK;
  // Settings given before the subcommands are declared: they inherit them.
  const program = new Command('puente')
    .description("Puente operators' command line: topics, records, lag, publishing, policies, schemas and the ledger")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(commanderMessage(lang, text)),
    })
    .configureHelp(helpConfiguration(lang))
    .showHelpAfterError(helpAfterError(lang));
  addSharedOptions(program, { recordKey: false });

  const report = (error: unknown, messages: Messages | undefined, json: boolean): ExitCode => {
    const cliError =
      error instanceof CliError
        ? error
        : new CliError({
            exitCode: ExitCode.UNAVAILABLE,
            reason: 'INTERNAL',
            message: error instanceof Error ? error.message : String(error),
          });
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ error: { reason: cliError.reason, message: cliError.message, details: cliError.details, exitCode: cliError.exitCode } })}\n`,
      );
    } else {
      const prefix = messages?.t('error.prefix') ?? 'error';
      // The gateway's messages may quote what it was sent (a key, a field): printable, as output is.
      io.stderr.write(printable(`${prefix}: ${cliError.reason}: ${cliError.message}\n`, false));
      for (const line of cliError.details) io.stderr.write(printable(`${line}\n`, false));
      const hint = !messages
        ? undefined
        : cliError.reason.startsWith('CREDENTIALS_')
          ? messages.t('error.hint.credentials', { config: '~/.config/puente/config.yaml' })
          : cliError.reason === 'NO_AGREEMENT' && cliError.message.includes('set view_agreement_id')
            ? // Only when several agreements share the topic: the gateway then lists them.
              messages.t('error.hint.view')
            : undefined;
      if (hint !== undefined) io.stderr.write(`${hint}\n`);
    }
    return cliError.exitCode;
  };

  const registry: CommandRegistry = {
    leaf(parent, name, description, run, setup) {
      const command = parent.command(name).description(description);
      setup?.(command);
      addSharedOptions(command, { recordKey: name === 'tail' });
      command.action(async (...received: unknown[]) => {
        const self = received.at(-1) as Command;
        const args = received.slice(0, -2);
        let messages: Messages | undefined;
        let context: CommandContext | undefined;
        const shared = sharedOptionsOf(self);
        try {
          messages = messagesFor(shared.lang, io.env);
          context = createCommandContext({ io, messages, json: shared.json === true, flags: shared });
          exitCode = (await run(context, args, self.opts())) ?? ExitCode.OK;
        } catch (error) {
          exitCode = report(error, messages, shared.json === true);
        } finally {
          context?.close();
        }
      });
      return command;
    },
  };

  registerTopicsCommands(program, registry);
  registerTailCommand(program, registry);
  registerLagCommand(program, registry);
  registerPublishCommand(program, registry);
  registerPolicyCommands(program, registry);
  registerSchemasCommands(program, registry);
  registerAuditCommands(program, registry);
  return { program, exitCode: () => exitCode };
}

/** Runs one command line (without `node` and the script) and answers its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const cli = createCli(io, langOfArgv(argv, io.env));
  try {
    await cli.program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      // Also commander.help with a non-zero code: a group named without its subcommand.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    throw error;
  }
  return cli.exitCode();
}
