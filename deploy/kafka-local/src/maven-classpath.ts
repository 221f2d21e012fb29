// Resolves the broker's jars from Maven Central into ~/.m2 with the package's pom.xml and
// caches the resulting classpath under .cache/, keyed by a hash of the pom, so only the
// first run (or a pom change, or a wiped ~/.m2) pays for Maven.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaLocalError } from './errors.js';
import { CommandNotFoundError, runCommand, tail } from './run-command.js';

/** deploy/kafka-local/, wherever the package is checked out. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const cacheDir = join(packageDir, '.cache');
const pomFile = join(packageDir, 'pom.xml');

const INSTALL_MAVEN =
  'Kafka for tests needs Apache Maven to fetch the broker jars once: install it (Debian: apt-get install maven) or set KAFKA_BROKERS / run Docker.';

export interface BrokerClasspath {
  readonly classpath: string;
  /** The Kafka release the classpath holds, read from the kafka_2.13 jar's name. */
  readonly kafkaVersion: string;
  /** Whether Maven ran this time (false when the cached classpath was still valid). */
  readonly resolved: boolean;
}

// One resolution per pom at a time in this process: brokers started together share it.
const inFlight = new Map<string, Promise<BrokerClasspath>>();

export async function resolveBrokerClasspath(
  options: { onLog?: (line: string) => void } = {},
): Promise<BrokerClasspath> {
  const pom = await readFile(pomFile);
  const key = createHash('sha256').update(pom).digest('hex').slice(0, 16);
  const cacheFile = join(cacheDir, `classpath-${key}.txt`);

  const cached = await readValidClasspath(cacheFile);
  if (cached) return { classpath: cached, kafkaVersion: kafkaVersionOf(cached), resolved: false };

  let pending = inFlight.get(cacheFile);
  if (!pending) {
    pending = runMaven(cacheFile, options.onLog).finally(() => inFlight.delete(cacheFile));
    inFlight.set(cacheFile, pending);
  }
  return pending;
}

async function runMaven(cacheFile: string, onLog: ((line: string) => void) | undefined): Promise<BrokerClasspath> {
  onLog?.('kafka-local: resolving Apache Kafka jars with Maven (first run only)…');
  await mkdir(cacheDir, { recursive: true });
  // Written aside and renamed, so a concurrent start never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  let result;
  try {
    result = await runCommand(
      'mvn',
      ['-B', '-q', '-Dstyle.color=never', '-f', pomFile, 'dependency:build-classpath', `-Dmdep.outputFile=${partial}`],
      { cwd: packageDir, timeoutMs: 15 * 60_000 },
    );
  } catch (err) {
    if (err instanceof CommandNotFoundError)
      throw new KafkaLocalError({ code: 'MAVEN_MISSING', message: INSTALL_MAVEN, cause: err });
    throw err;
  }
  if (result.exitCode !== 0 || !existsSync(partial)) {
    await rm(partial, { force: true });
    throw new KafkaLocalError({
      code: 'CLASSPATH_FAILED',
      // Usually Maven Central is unreachable; a retry after fixing the network helps.
      retriable: true,
      message: `mvn dependency:build-classpath on ${pomFile} failed (exit ${result.exitCode ?? result.signal}):\n${tail(result.stdout + result.stderr)}`,
    });
  }
  await rename(partial, cacheFile);
  const classpath = (await readFile(cacheFile, 'utf8')).trim();
  return { classpath, kafkaVersion: kafkaVersionOf(classpath), resolved: true };
}

/** The cached classpath, or undefined when it is missing or a jar was removed from ~/.m2. */
async function readValidClasspath(cacheFile: string): Promise<string | undefined> {
  let classpath: string;
  try {
    classpath = (await readFile(cacheFile, 'utf8')).trim();
  } catch {
    return undefined;
  }
  const jars = classpath.split(delimiter).filter(Boolean);
  if (jars.length === 0) return undefined;
  const present = await Promise.all(
    jars.map((jar) =>
      stat(jar).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean) ? classpath : undefined;
}

export function kafkaVersionOf(classpath: string): string {
  for (const jar of classpath.split(delimiter)) {
    const match = /^kafka_2\.1\d-(.+)\.jar$/.exec(basename(jar));
    if (match?.[1]) return match[1];
  }
  throw new KafkaLocalError({
    code: 'CLASSPATH_FAILED',
    message: `No kafka_2.13 jar on the resolved classpath (${pomFile}).`,
  });
}
