#!/bin/sh
# Fails when the contracts do not lint or when src/generated is not what the .proto files
# generate (regenerates into a temporary directory and compares, so it works whether or
# not the generated files are committed yet).
set -eu
cd "$(dirname "$0")/.."
node_modules/.bin/buf lint
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sh scripts/generate.sh "$tmp"
if ! diff -r src/generated "$tmp/src/generated"; then
  echo 'proto/src/generated is stale: run `pnpm proto:generate` and commit the result.' >&2
  exit 1
fi
echo 'proto: lint ok, generated code current.'
