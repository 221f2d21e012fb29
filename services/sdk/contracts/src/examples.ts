// Reads schemas/examples/<domain>/*.json: sample events in friendly JSON, each wrapped as
// { topic, description, value } and, for invalid-*.json, the field paths the codec must name
// (`expectErrors`). Tests, simulators and documentation share these files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SchemaExample {
  /** Path relative to the examples folder, e.g. `cargo-manifests/us-northbound-laredo.json`. */
  readonly file: string;
  readonly domain: string;
  readonly topic: string;
  readonly description: string;
  /** The event in friendly JSON (give it to `codec.fromJson`). */
  readonly value: unknown;
  /** For invalid examples: exactly the paths the codec must report. */
  readonly expectErrors?: readonly string[];
}

export function readExamples(examplesDir: string): SchemaExample[] {
  const examples: SchemaExample[] = [];
  for (const domain of readdirSync(examplesDir).sort()) {
    for (const name of readdirSync(join(examplesDir, domain)).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = `${domain}/${name}`;
      const raw = JSON.parse(readFileSync(join(examplesDir, domain, name), 'utf8')) as Record<string, unknown>;
      const { topic, description, value, expectErrors } = raw;
      if (typeof topic !== 'string' || typeof description !== 'string' || value === undefined) {
        throw new Error(`${file}: an example needs "topic", "description" and "value"`);
      }
      const invalid = name.startsWith('invalid-');
      if (invalid !== Array.isArray(expectErrors)) {
        throw new Error(`${file}: invalid-*.json files, and only they, carry "expectErrors"`);
      }
      examples.push({
        file,
        domain,
        topic,
        description,
        value,
        ...(invalid ? { expectErrors: expectErrors as string[] } : {}),
      });
    }
  }
  return examples;
}
