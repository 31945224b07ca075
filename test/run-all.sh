#!/usr/bin/env bash
# The whole test suite, as the README says: install what is missing, typecheck, build, then every mocha test
# (SQLite and PostgreSQL, real WordPress, real OIDC provider, SMTP sink, Chromium). The last line printed is
# "N passed, N failed" (CI reads it).
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash test/install-deps.sh >test-install.log 2>&1; then
  cat test-install.log
  echo "installing test dependencies failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! npx tsc -p tsconfig.test.json --noEmit >test-typecheck.log 2>&1 || ! npx tsc -p tsconfig.json >>test-typecheck.log 2>&1; then
  cat test-typecheck.log
  echo "typecheck/build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! npm run --silent lint >test-lint.log 2>&1; then
  cat test-lint.log
  echo "lint failed"
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f test-install.log test-typecheck.log test-lint.log
export PARTNERGATE_TEST_BUILT=1
exec npx mocha "$@"
