// Test support: asks Apache Avro's Java reference implementation (independent of our codec and
// of python-avro-interop.py's hand-written JSON encoding) about the specification's Avro JSON,
// through java-avro-interop.java. The jars come from Maven Central the way deploy/kafka-local
// gets the broker's: `mvn dependency:build-classpath` on a pom, the classpath cached under
// .cache/ keyed by the pom's hash, so only the first run (or a pom change) pays for Maven.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { SpecJsonRead, SpecJsonRequest, SpecJsonWritten } from './python-avro.js';

const POM = fileURLToPath(new URL('./java-avro-interop.pom.xml', import.meta.url));
const PROGRAM = fileURLToPath(new URL('./java-avro-interop.java', import.meta.url));
/** services/sdk/.cache/ (git-ignored), beside kafka-local's own .cache/. */
const CACHE_DIR = fileURLToPath(new URL('../../.cache', import.meta.url));
/** Source-file launch (`java Foo.java`) needs 11; the rest of the project already needs 17. */
const MIN_JAVA_MAJOR = 17;

export interface JavaAvro {
  readonly java: string;
  readonly classpath: string;
}

export interface JavaAvroAnswer {
  /** Implementation-Version of the avro jar that answered, e.g. 1.12.2. */
  readonly avroVersion: string;
  readonly fromSpecJson: SpecJsonRead[];
  readonly toSpecJson: (SpecJsonWritten & { readonly error?: string })[];
}

interface Run {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command could not be started at all (not installed). */
  readonly notFound?: boolean;
}

function run(command: string, args: readonly string[], input = '', timeoutMs = 10 * 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs).unref();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        exitCode: null,
        stdout,
        stderr: err.message,
        notFound: err.code === 'ENOENT' || err.code === 'EACCES',
      });
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
    // A command that exits before reading its input must not crash the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function tail(text: string, lines = 20): string {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
}

/**
 * Java 17+ and the Apache Avro jars, resolving them with Maven on first use; or, when either
 * cannot be had, one sentence saying what is missing.
 */
export async function findJavaAvro(): Promise<JavaAvro | { readonly missing: string }> {
  const home = process.env['JAVA_HOME'];
  const java = home && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
  const version = await run(java, ['-version']);
  const major = /version "(\d+)(?:\.(\d+))?/.exec(version.stderr + version.stdout);
  const majorNumber = major?.[1] === '1' ? Number(major[2]) : Number(major?.[1]);
  if (version.notFound || !(majorNumber >= MIN_JAVA_MAJOR)) {
    return {
      missing: `The Java Avro interop test needs a Java ${MIN_JAVA_MAJOR}+ runtime (Debian: apt-get install openjdk-17-jre-headless); ${java}: ${version.notFound ? 'not found' : tail(version.stderr, 1)}`,
    };
  }

  const key = createHash('sha256')
    .update(await readFile(POM))
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(CACHE_DIR, `java-avro-classpath-${key}.txt`);
  const cached = await readValidClasspath(cacheFile);
  if (cached) return { java, classpath: cached };

  await mkdir(CACHE_DIR, { recursive: true });
  // Written aside and renamed, so a concurrent run never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  const mvn = await run('mvn', [
    '-B',
    '-q',
    '-Dstyle.color=never',
    '-f',
    POM,
    'dependency:build-classpath',
    `-Dmdep.outputFile=${partial}`,
  ]);
  if (mvn.notFound) {
    return {
      missing:
        'The Java Avro interop test needs Apache Maven to fetch the Apache Avro jars once (Debian: apt-get install maven).',
    };
  }
  if (mvn.exitCode !== 0 || !existsSync(partial)) {
    await rm(partial, { force: true });
    return {
      missing: `mvn dependency:build-classpath on ${POM} failed (exit ${String(mvn.exitCode)}; is Maven Central reachable?):\n${tail(mvn.stdout + mvn.stderr)}`,
    };
  }
  await rename(partial, cacheFile);
  return { java, classpath: (await readFile(cacheFile, 'utf8')).trim() };
}

/** The cached classpath, or undefined when it is missing or a jar was removed from ~/.m2. */
async function readValidClasspath(cacheFile: string): Promise<string | undefined> {
  const classpath = await readFile(cacheFile, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  const jars = classpath.split(delimiter).filter(Boolean);
  return jars.length > 0 && jars.every((jar) => existsSync(jar)) ? classpath : undefined;
}

/** Every case in one JVM (its start costs seconds on a small machine). */
export async function askJavaAvroJson(javaAvro: JavaAvro, request: SpecJsonRequest): Promise<JavaAvroAnswer> {
  // The client compiler and serial GC: a run of a few seconds gains nothing from C2 or G1 threads.
  const answer = await run(
    javaAvro.java,
    ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', javaAvro.classpath, PROGRAM],
    JSON.stringify(request),
    120_000,
  );
  if (answer.exitCode !== 0) {
    throw new Error(`Apache Avro for Java failed (exit ${String(answer.exitCode)}): ${tail(answer.stderr)}`);
  }
  return JSON.parse(answer.stdout) as JavaAvroAnswer;
}
