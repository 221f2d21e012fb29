// Finds the Java runtime the broker runs on and rejects one that is missing or too old,
// with one sentence on what to install, before any slower work starts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaLocalError } from './errors.js';
import { CommandNotFoundError, runCommand } from './run-command.js';

const MIN_JAVA_MAJOR = 17;

const INSTALL_JAVA =
  'Kafka for tests needs a Java 17+ runtime: install a JDK (Debian: apt-get install openjdk-17-jre-headless) or set KAFKA_BROKERS / run Docker.';

export interface JavaRuntime {
  readonly command: string;
  readonly major: number;
}

/** `$JAVA_HOME/bin/java` when JAVA_HOME points at a runtime, else `java` from PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['JAVA_HOME'];
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

/** Reads the major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_412"` → 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

export async function findJavaRuntime(): Promise<JavaRuntime> {
  const command = javaCommand();
  let output: string;
  try {
    const result = await runCommand(command, ['-version'], { timeoutMs: 15_000 });
    output = result.stderr + result.stdout;
  } catch (err) {
    if (err instanceof CommandNotFoundError)
      throw new KafkaLocalError({ code: 'JAVA_MISSING', message: INSTALL_JAVA, cause: err });
    throw err;
  }
  const major = parseJavaMajor(output);
  if (major === undefined || major < MIN_JAVA_MAJOR) {
    throw new KafkaLocalError({
      code: 'JAVA_MISSING',
      message: `${INSTALL_JAVA} (found: ${output.split('\n')[0]?.trim() ?? 'unknown'})`,
    });
  }
  return { command, major };
}
