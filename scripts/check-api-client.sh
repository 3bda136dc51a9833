#!/usr/bin/env bash
# Fails when the dashboard's generated api client is stale: regenerates the OpenAPI
# document (scripts/export-openapi.py) and the TypeScript types (openapi-typescript) and
# compares them with the committed files. Files are only rewritten when their content
# changed, so an up-to-date tree keeps its timestamps (and `make frontend` stays a no-op).
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.tools/bin/uv}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

"$UV" run --frozen python scripts/export-openapi.py "$scratch/openapi.json" >/dev/null
(cd frontend && ./node_modules/.bin/openapi-typescript "$scratch/openapi.json" --default-non-nullable false -o "$scratch/schema.d.ts" >/dev/null 2>&1)

status=0
for pair in "openapi.json:frontend/openapi.json" "schema.d.ts:frontend/src/api/schema.d.ts"; do
  fresh="$scratch/${pair%%:*}"
  committed="${pair#*:}"
  if ! cmp -s "$fresh" "$committed"; then
    cp "$fresh" "$committed"
    status=1
  fi
done
if [ "$status" -ne 0 ] || ! git diff --exit-code --stat -- frontend/openapi.json frontend/src/api/schema.d.ts; then
  git diff --stat -- frontend/openapi.json frontend/src/api/schema.d.ts || true
  echo "The dashboard's api client is out of date with the api: the files above were regenerated;" >&2
  echo "review and commit them (scripts/export-openapi.py, then 'npm run gen:api' in frontend/)." >&2
  exit 1
fi
echo "api client up to date"
