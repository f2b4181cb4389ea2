#!/usr/bin/env bash
# publint and attw on the packed tarball (what npm users install), not on the work tree.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tarball=$(npm pack --silent --pack-destination "$out" | tail -n 1)
npx --no-install publint "$out/$tarball" --strict
# ESM-only package: node10 and CJS-require resolution are out of scope by design.
npx --no-install attw "$out/$tarball" --profile esm-only
