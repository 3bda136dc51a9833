#!/bin/sh
# Rebuilds dist/original and dist/redesign (committed, so tests never need npm).
set -e
cd "$(dirname "$0")"
npm ci
npm run build
