#!/usr/bin/env bash
# Issue 15 "done when": the packed tarball, installed into an empty project next to @solana/kit,
# type-checks a 20-line Kit example under `tsc --strict` with no casts (skipLibCheck off, so the
# published declarations are checked too). Needs a build (npm run build) first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f dist/kit/index.d.ts ] || { echo "check-packed-kit: dist/ is missing; run npm run build first" >&2; exit 1; }
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
kit=$(node -p 'require("./package.json").devDependencies["@solana/kit"]')
ts=$(node -p 'require("./package.json").devDependencies.typescript')
node=$(node -p 'require("./package.json").devDependencies["@types/node"]')
cd "$work"
echo '{ "name": "kit-consumer", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --silent "./$tarball" "@solana/kit@$kit" "typescript@$ts" "@types/node@$node"
cp "$root/examples/kit/consumer.ts" ./consumer.ts
lines=$(grep -cve '^\s*$' consumer.ts)
if grep -nE '\bas (unknown|never|any)\b|<any>|@ts-(ignore|expect-error)' consumer.ts; then echo "check-packed-kit: the example uses a cast" >&2; exit 1; fi
npx --no-install tsc --strict --noEmit --module nodenext --moduleResolution nodenext --target es2022 --types node consumer.ts
echo "check-packed-kit: $tarball + @solana/kit@$kit: ${lines}-line example compiles under tsc --strict without casts"
