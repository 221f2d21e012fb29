// `puente schemas check`: the local catalog lock is current and every change BACKWARD compatible
// (what `pnpm schemas:check` runs), and, when a gateway is configured, that the subjects and
// schema ids of its topics are those of the lock in the folder checked.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

import type { Command } from 'commander';
import type { ListTopicsResponse } from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import { text } from './arguments.js';
import type { CommandContext } from '../command-context.js';
import { errorText } from '../config/connection.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { Messages } from '../i18n/messages.js';
import { renderTable } from '../format/table.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export function registerSchemasCommands(program: Command, registry: CommandRegistry): void {
  const schemas = program.command('schemas').description('the schema catalog');
  registry.leaf(
    schemas,
    'check',
    'the catalog lock is current and BACKWARD compatible; a configured gateway serves the same ids',
    async (context, _args, options) => {
      const dir = (option: string, fallback: string) =>
        folder(context.messages, `--${option}`, resolve(context.io.cwd, text(options, option) ?? fallback));
      return check(context, {
        schemasDir: dir('schemas', `${repoRoot}schemas`),
        generatedDir: dir('generated', `${repoRoot}services/sdk/contracts/src/generated`),
        policiesDir: dir('policies', `${repoRoot}deploy/policies`),
      });
    },
    (c) =>
      c
        .option('--schemas <dir>', 'the schemas folder (default: the repository’s schemas/)')
        .option('--generated <dir>', 'where the generated catalog module lives')
        .option('--policies <dir>', 'agreements whose view schemas the catalog holds'),
  );
}

/** A folder that exists, or a usage error naming the option (not a raw ENOENT later). */
function folder({ t }: Messages, option: string, path: string): string {
  try {
    if (statSync(path).isDirectory()) return path;
  } catch (error) {
    throw usageError(t('error.dir.read', { option, dir: path, message: errorText(error) }));
  }
  throw usageError(t('error.dir.read', { option, dir: path, message: t('error.dir.notDir') }));
}

/** Latest schema id of each subject in the lock of the folder checked (catalog.lock.json). */
function lockedIds(schemasDir: string): ReadonlyMap<string, number> {
  const ids = new Map<string, number>();
  try {
    const lock = JSON.parse(readFileSync(join(schemasDir, 'catalog.lock.json'), 'utf8')) as {
      subjects?: Record<string, { versions?: { id?: unknown }[] }>;
    };
    for (const [subject, { versions = [] }] of Object.entries(lock.subjects ?? {})) {
      const id = versions.at(-1)?.id;
      if (typeof id === 'number') ids.set(subject, id);
    }
  } catch {
    // An unreadable lock is already an error of the local check; nothing matches then.
  }
  return ids;
}

interface Mismatch {
  readonly topic: string;
  readonly subject: string;
  readonly gateway: number;
  readonly local: number | null;
}

async function check(
  context: CommandContext,
  dirs: { schemasDir: string; generatedDir: string; policiesDir: string },
): Promise<ExitCode> {
  const { t } = context.messages;
  // Loaded on use: the catalog and the policy engine take most of a second to load.
  const [{ runSchemasCommand }, { deriveViewSubjects }] = await Promise.all([
    import('@puente/contracts/tools'),
    import('@puente/policy'),
  ]);
  const local = runSchemasCommand('check', {
    schemasDir: dirs.schemasDir,
    generatedDir: dirs.generatedDir,
    // The agreements' view schemas are catalogued too, derived as `pnpm schemas:check` derives them.
    derivedSubjects: (schemaFor) => deriveViewSubjects(dirs.policiesDir, schemaFor),
  });
  const connection = context.connection();
  let mismatches: Mismatch[] = [];
  let checkedTopics = 0;
  if (connection.configured) {
    const { operator } = context.clients();
    const topics = await context.call<ListTopicsResponse>((md, opts, cb) =>
      operator.listTopics({ prefix: '' }, md, opts, cb),
    );
    // The folder checked, not the catalog built into this CLI: `--schemas` may be another checkout.
    const locked = lockedIds(dirs.schemasDir);
    const withSchema = topics.topics.filter((s) => s.valueSubject !== '' && s.latestSchemaId !== 0);
    checkedTopics = withSchema.length;
    mismatches = withSchema
      .map((s) => ({
        topic: s.name,
        subject: s.valueSubject,
        gateway: s.latestSchemaId,
        local: locked.get(s.valueSubject) ?? null,
      }))
      .filter((m) => m.local !== m.gateway);
  }
  const ok = local.ok && mismatches.length === 0;
  if (context.json) {
    context.printJson({
      ok,
      lock: { ok: local.ok, output: local.output, errors: local.errors },
      gateway: connection.configured ? { address: connection.address, topics: checkedTopics, mismatches } : null,
    });
    return ok ? ExitCode.OK : ExitCode.NEGATIVE;
  }
  if (local.ok) context.out(context.style.green(t('schemas.lockOk')));
  for (const line of local.errors) context.err(context.style.red(line));
  if (!connection.configured) context.out(t('schemas.gatewaySkipped'));
  else if (mismatches.length === 0)
    context.out(context.style.green(t('schemas.gatewayOk', { address: connection.address, count: checkedTopics })));
  else {
    for (const m of mismatches)
      context.err(
        context.style.red(
          m.local === null
            ? t('schemas.unknownSubject', { subject: m.subject, topic: m.topic })
            : t('schemas.idDiffers', { topic: m.topic, gateway: m.gateway, local: m.local, subject: m.subject }),
        ),
      );
    context.out(
      renderTable(
        [t('col.topic'), t('col.subject'), t('col.gateway'), t('col.local')],
        mismatches.map((m) => [m.topic, m.subject, String(m.gateway), m.local === null ? '-' : String(m.local)]),
        { style: context.style },
      ),
    );
  }
  return ok ? ExitCode.OK : ExitCode.NEGATIVE;
}
