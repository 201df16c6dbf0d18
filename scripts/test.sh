#!/usr/bin/env bash
# The README's test command: set-up, type check, then every test file, several in parallel.
# Each test file makes its own database, queue and stream names, so files never collide.
# Extra arguments go to node's test runner (for example: --test-name-pattern=readAll).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure-chromium.sh
echo "[test] type check (tsc --noEmit)" >&2
npx tsc --noEmit -p .
mapfile -t files < <(find test examples -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" --test-timeout=600000 "$@" "${files[@]}"
