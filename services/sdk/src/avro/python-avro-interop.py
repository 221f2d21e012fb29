"""Second, independent Avro implementation for the interop test (Debian's python3-avro).

Reads a JSON request on stdin and answers on stdout:
  {"avscDir": ..., "decode": [{"name", "schema", "root", "body" (base64)}],
   "compat": [{"name", "reader", "writer"}]}
For each decode case it parses the registered schema text, separately parses the one-type-per-
file .avsc sources with its own name resolution (their canonical forms must agree), decodes
the Avro body, re-encodes the datum, and returns the datum as friendly JSON. For each compat
case it returns python-avro's own reader/writer compatibility verdict.
"""
import base64
import datetime
import decimal
import io
import json
import os
import sys

import avro.compatibility
import avro.io
import avro.schema


def _validate_uuid(self, datum):
    # python3-avro 1.11.1 raises TypeError (instead of answering "no") when its writer checks
    # None against the uuid branch of ["null", uuid]; only the re-encode step needs this.
    return self if isinstance(datum, str) and _ORIGINAL_UUID_VALIDATE(self, datum) is not None else None


_ORIGINAL_UUID_VALIDATE = avro.schema.UUIDSchema.validate
avro.schema.UUIDSchema.validate = _validate_uuid


def friendly(value):
    if isinstance(value, dict):
        return {k: friendly(v) for k, v in value.items()}
    if isinstance(value, list):
        return [friendly(v) for v in value]
    if isinstance(value, datetime.datetime):
        utc = value.astimezone(datetime.timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return value


def parse_sources(avsc_dir):
    """Resolves the .avsc files by full name, in whatever order they parse (python's own resolver)."""
    pending = {}
    for name in sorted(os.listdir(avsc_dir)):
        if name.endswith(".avsc"):
            with open(os.path.join(avsc_dir, name), encoding="utf-8") as handle:
                pending[name] = json.load(handle)
    names = avro.schema.Names()
    parsed = {}
    while pending:
        progress = False
        for name, source in list(pending.items()):
            try:
                attempt = avro.schema.Names()
                attempt.names = dict(names.names)
                schema = avro.schema.make_avsc_object(source, attempt)
            except avro.errors.SchemaParseException:
                continue
            names.names = attempt.names
            parsed[schema.fullname] = schema
            del pending[name]
            progress = True
        if not progress:
            raise SystemExit(f"cannot resolve: {sorted(pending)}")
    return parsed


def main():
    request = json.load(sys.stdin)
    sources = parse_sources(request["avscDir"])
    decoded = []
    for case in request.get("decode", []):
        schema = avro.schema.parse(case["schema"])
        body = base64.b64decode(case["body"])
        stream = io.BytesIO(body)
        datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(stream))
        out = io.BytesIO()
        avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
        decoded.append(
            {
                "name": case["name"],
                "value": friendly(datum),
                "consumedAll": stream.tell() == len(body),
                "reencodedIdentical": out.getvalue() == body,
                "sourcesAgree": sources[case["root"]].canonical_form == schema.canonical_form,
            }
        )
    checker = avro.compatibility.ReaderWriterCompatibilityChecker()
    compat = []
    for case in request.get("compat", []):
        result = checker.get_compatibility(avro.schema.parse(case["reader"]), avro.schema.parse(case["writer"]))
        compat.append({"name": case["name"], "compatible": result.compatibility == avro.compatibility.SchemaCompatibilityType.compatible})
    json.dump({"avro": avro.__version__, "decode": decoded, "compat": compat}, sys.stdout)


if __name__ == "__main__":
    main()
