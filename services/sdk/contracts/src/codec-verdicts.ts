// Verdicts on framed bytes without decoding them: the skim that confirms a valid message while
// reading only a few fields, and the explanation naming every field full validation refuses.
import type { AvroCodec } from './codec-types.js';
import type { CodecSchemas, SchemaEntry } from './codec-schemas.js';
import { asBuffer } from './codec-decode.js';
import { compileSkimmer, explainBytes, type Skimmer } from './skim.js';
import { HEADER_SIZE, MAGIC_BYTE, readSchemaId } from './wire-format.js';

export type ByteVerdicts = Pick<AvroCodec, 'skim' | 'explainBytes'>;

export function createByteVerdicts(schemas: CodecSchemas): ByteVerdicts {
  // By the caller's paths array (callers keep one per topic), else by the paths themselves.
  const skimmersByArray = new WeakMap<readonly string[], Map<SchemaEntry, Skimmer>>();
  const skimmers = new Map<SchemaEntry, Map<string, Skimmer>>();

  function compileCached(entry: SchemaEntry, paths: readonly string[]): Skimmer {
    const key = paths.join('\n');
    const skimmer = skimmers.get(entry)?.get(key) ?? compileSkimmer(entry.type, paths);
    skimmers.set(entry, (skimmers.get(entry) ?? new Map<string, Skimmer>()).set(key, skimmer));
    skimmersByArray.set(paths, (skimmersByArray.get(paths) ?? new Map<SchemaEntry, Skimmer>()).set(entry, skimmer));
    return skimmer;
  }

  return {
    // Per record at the gateway's door: a known paths array costs two map reads, no call.
    skim(topic, bytes, paths) {
      const entry = schemas.topic(topic).schema;
      const buf = asBuffer(bytes);
      if (buf.length < HEADER_SIZE || buf[0] !== MAGIC_BYTE || buf.readInt32BE(1) !== entry.id) return undefined;
      const skimmer = skimmersByArray.get(paths)?.get(entry) ?? compileCached(entry, paths);
      return skimmer.skim(buf, HEADER_SIZE);
    },
    explainBytes(bytes) {
      const buf = asBuffer(bytes);
      return explainBytes(schemas.require(readSchemaId(buf)).type, buf, HEADER_SIZE);
    },
  };
}
