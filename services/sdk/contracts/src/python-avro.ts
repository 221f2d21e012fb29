// Test support: asks Debian's python3-avro (an Avro implementation independent of ours) about
// Avro binary and the specification's Avro JSON, through python-avro-interop.py.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python-avro-interop.py', import.meta.url));

/** Whether python3-avro can be imported (CI installs it; see .ci/run). */
export const pythonAvroAvailable =
  spawnSync(PYTHON, ['-c', 'import avro.io, avro.compatibility'], { encoding: 'utf8' }).status === 0;

export interface SpecJsonRead {
  readonly name: string;
  readonly valid: boolean;
  /** Avro binary python wrote from the JSON (base64), when valid. */
  readonly body?: string;
  readonly error?: string;
}

export interface SpecJsonWritten {
  readonly name: string;
  readonly consumedAll: boolean;
  /** Avro JSON text python wrote from the binary. */
  readonly json: string;
}

export interface SpecJsonRequest {
  /** Avro JSON texts to read, each with the schema text it is written in. */
  readonly fromSpecJson?: readonly { name: string; schema: string; json: string }[];
  /** Avro binary bodies (base64, without framing) to write as Avro JSON. */
  readonly toSpecJson?: readonly { name: string; schema: string; body: string }[];
}

export function askPythonAvroJson(request: SpecJsonRequest): {
  fromSpecJson: SpecJsonRead[];
  toSpecJson: SpecJsonWritten[];
} {
  const run = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3-avro failed (${String(run.status)}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { fromSpecJson: SpecJsonRead[]; toSpecJson: SpecJsonWritten[] };
}
