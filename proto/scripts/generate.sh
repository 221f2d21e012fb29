#!/bin/sh
# Regenerates everything derived from the .proto files: the TypeScript (ts-proto, per
# buf.gen.yaml) and the descriptor set that server reflection serves. With an argument,
# writes under that directory instead of this package (proto:check diffs the two).
set -eu
cd "$(dirname "$0")/.."
out="${1:-.}"
buf=node_modules/.bin/buf
"$buf" generate --output "$out"
# Imports and source info (comments) included, so grpcurl `describe` shows the docs.
"$buf" build --output "$out/src/generated/puente.binpb"
