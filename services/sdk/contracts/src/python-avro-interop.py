"""Second, independent Avro implementation for the interop test (Debian's python3-avro).

Reads a JSON request on stdin and answers on stdout:
  {"avscDir": ..., "decode": [{"name", "schema", "root", "body" (base64)}],
   "compat": [{"name", "reader", "writer"}],
   "fromSpecJson": [{"name", "schema", "json" (Avro JSON text)}],
   "toSpecJson": [{"name", "schema", "body" (base64)}]}
For each decode case it parses the registered schema text, separately parses the one-type-per-
file .avsc sources with its own name resolution (their canonical forms must agree), decodes
the Avro body, re-encodes the datum, and returns the datum as friendly JSON. For each compat
case it returns python-avro's own reader/writer compatibility verdict.

python3-avro has no JSON encoder or decoder, so the Avro specification's JSON encoding is
implemented here from the specification, independently of the TypeScript codec: a logical type
is its underlying type (the schema is read without logicalType attributes), bytes and fixed are
ISO-8859-1 strings, a non-null union value is {"<primitive or full name>": value}, every record
field is present. fromSpecJson reads such JSON, checks the datum with avro.io.validate and
writes Avro binary; toSpecJson decodes Avro binary and writes such JSON.
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


def without_logical_types(schema):
    if isinstance(schema, dict):
        return {k: without_logical_types(v) for k, v in schema.items() if k not in ("logicalType", "precision", "scale")}
    if isinstance(schema, list):
        return [without_logical_types(v) for v in schema]
    return schema


def underlying_schema(text):
    return avro.schema.parse(json.dumps(without_logical_types(json.loads(text))))


def branch_name(schema):
    return schema.fullname if schema.type in ("record", "enum", "fixed", "error") else schema.type


class SpecJsonError(Exception):
    pass


def from_spec_json(schema, value, path="(value)"):
    kind = schema.type
    if kind == "union":
        if value is None:
            if any(b.type == "null" for b in schema.schemas):
                return None
            raise SpecJsonError(f"{path}: null is not a branch")
        if not isinstance(value, dict) or len(value) != 1:
            raise SpecJsonError(f"{path}: a union value must be {{\"<branch>\": value}}")
        ((name, inner),) = value.items()
        for branch in schema.schemas:
            if branch_name(branch) == name:
                return from_spec_json(branch, inner, path)
        raise SpecJsonError(f"{path}: no union branch named {name}")
    if kind in ("record", "error"):
        if not isinstance(value, dict):
            raise SpecJsonError(f"{path}: expected an object")
        names = {f.name for f in schema.fields}
        extra = set(value) - names
        if extra:
            raise SpecJsonError(f"{path}: unknown fields {sorted(extra)}")
        missing = names - set(value)
        if missing:
            raise SpecJsonError(f"{path}: missing fields {sorted(missing)}")
        return {f.name: from_spec_json(f.type, value[f.name], f"{path}.{f.name}") for f in schema.fields}
    if kind == "array":
        return [from_spec_json(schema.items, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if kind == "map":
        return {k: from_spec_json(schema.values, v, f"{path}[{k}]") for k, v in value.items()}
    if kind in ("bytes", "fixed"):
        if not isinstance(value, str):
            raise SpecJsonError(f"{path}: bytes must be a string")
        return value.encode("latin-1")
    return value


def to_spec_json(schema, datum):
    kind = schema.type
    if kind == "union":
        if datum is None:
            return None
        for branch in schema.schemas:
            if branch.type != "null" and avro.io.validate(branch, datum):
                return {branch_name(branch): to_spec_json(branch, datum)}
        raise SpecJsonError("no union branch holds the datum")
    if kind in ("record", "error"):
        return {f.name: to_spec_json(f.type, datum[f.name]) for f in schema.fields}
    if kind == "array":
        return [to_spec_json(schema.items, v) for v in datum]
    if kind == "map":
        return {k: to_spec_json(schema.values, v) for k, v in datum.items()}
    if kind in ("bytes", "fixed"):
        return datum.decode("latin-1")
    return datum


def read_spec_json(case):
    schema = underlying_schema(case["schema"])
    try:
        datum = from_spec_json(schema, json.loads(case["json"]))
    except SpecJsonError as error:
        return {"name": case["name"], "valid": False, "error": str(error)}
    if not avro.io.validate(schema, datum):
        return {"name": case["name"], "valid": False, "error": "avro.io.validate refused the datum"}
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
    return {"name": case["name"], "valid": True, "body": base64.b64encode(out.getvalue()).decode("ascii")}


def write_spec_json(case):
    schema = underlying_schema(case["schema"])
    body = base64.b64decode(case["body"])
    stream = io.BytesIO(body)
    datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(stream))
    return {"name": case["name"], "consumedAll": stream.tell() == len(body), "json": json.dumps(to_spec_json(schema, datum))}


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
    sources = parse_sources(request["avscDir"]) if "avscDir" in request else {}
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
    from_json = [read_spec_json(case) for case in request.get("fromSpecJson", [])]
    to_json = [write_spec_json(case) for case in request.get("toSpecJson", [])]
    json.dump(
        {"avro": avro.__version__, "decode": decoded, "compat": compat, "fromSpecJson": from_json, "toSpecJson": to_json},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
