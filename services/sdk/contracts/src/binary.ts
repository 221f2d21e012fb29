// `@puente/contracts/binary`: for code that works on Avro bytes without decoding them (the
// policy's byte projector, the gateway's audit splice, Kafka record sizes): the reader cursor,
// zigzag varints, the skim, and the Confluent wire-format header.
export {
  compileSkip,
  compileSkimmer,
  isUtf8At,
  readAvroLong,
  type Cursor,
  type Skimmer,
  type SkimLevel,
} from './skim.js';
export { writeZigzagVarint, zigzagVarintLength } from './zigzag.mjs';
export { HEADER_SIZE, MAGIC_BYTE, readSchemaId, writeHeader } from './wire-format.js';
