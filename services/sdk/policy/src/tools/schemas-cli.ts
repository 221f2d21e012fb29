// `pnpm schemas:generate` and `pnpm schemas:check` (here, above the policy, because the catalog
// holds the agreements' view schemas too): the one way the lock file, the schema
// history and the generated TypeScript are produced, and the CI gate that they are current
// and that every schema change stays BACKWARD compatible.
import { fileURLToPath } from 'node:url';
import { runSchemasCommand } from '@puente/contracts/tools';

import { deriveViewSubjects } from '../view-subjects.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const [command = '', ...rest] = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};

const result = runSchemasCommand(command, {
  schemasDir: flag('--schemas') ?? `${repoRoot}schemas`,
  generatedDir: flag('--generated') ?? `${repoRoot}services/sdk/contracts/src/generated`,
  derivedSubjects: (schemaFor) => deriveViewSubjects(flag('--policies') ?? `${repoRoot}deploy/policies`, schemaFor),
});
for (const line of result.output) console.log(line);
for (const line of result.errors) console.error(line);
process.exitCode = result.ok ? 0 : 1;
