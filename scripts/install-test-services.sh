#!/usr/bin/env bash
# Make the servers the store tests need available (test/setup/services.ts starts them on loopback).
# Idempotent: installs redis-server and chromium (the browser test, examples/express/browser.test.ts)
# through apt-get only when they are missing, and checks that the PostgreSQL 15 binaries exist
# (AGENTVAULT_PG_BIN overrides their directory; CHROMIUM_PATH the browser's path).
set -euo pipefail

PG_BIN="${AGENTVAULT_PG_BIN:-/usr/lib/postgresql/15/bin}"

if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-test-services: installing redis-server" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
echo "install-test-services: $(redis-server --version)"

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-test-services: installing chromium" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
echo "install-test-services: $("$CHROMIUM" --version 2>/dev/null | tail -1)"

for b in initdb pg_ctl postgres; do
  if [ ! -x "$PG_BIN/$b" ]; then
    echo "install-test-services: missing $PG_BIN/$b (apt-get install postgresql-15, or set AGENTVAULT_PG_BIN)" >&2
    exit 1
  fi
done
echo "install-test-services: $("$PG_BIN/postgres" --version)"

# SoftHSM2 for the PKCS#11 key-wrapper tests (test/execution/pkcs11.test.ts initializes its own
# token in a temp dir through SOFTHSM2_CONF; nothing system-wide is configured).
if ! command -v softhsm2-util >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-test-services: installing softhsm2" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends softhsm2 >/dev/null
fi
echo "install-test-services: $(softhsm2-util --version 2>/dev/null | head -n1 | sed 's/^/softhsm2 /')"
