#!/usr/bin/env bash
# The project's test command (`npm test`): installs the real-registry tools if missing,
# installs node modules if stale, builds, then runs every vitest project. Extra arguments
# go to vitest, e.g. `bash scripts/test.sh test/integration/harness.test.ts`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The integration tests start CNCF distribution (docker-registry), drive skopeo, hash
# passwords with htpasswd and make the token server's certificate with openssl.
missing=0
for tool in /usr/bin/docker-registry /usr/bin/skopeo /usr/bin/htpasswd /usr/bin/openssl; do
  [[ -x "$tool" ]] || missing=1
done
if [[ "$missing" -eq 1 ]]; then
  sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  echo "test.sh: installing docker-registry, skopeo, apache2-utils, openssl" >&2
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry skopeo apache2-utils openssl >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "test.sh: node_modules missing or older than package-lock.json, running npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

npx tsc --noEmit -p .
npx tsup --silent

# Besides vitest's own summary, end with one plain "N passed, N failed" line that any CI can read.
mkdir -p .tmp
results=.tmp/vitest-results.json
rm -f "$results"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
set -e
if [[ -f "$results" ]]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
  ' "$results"
fi
exit "$status"
