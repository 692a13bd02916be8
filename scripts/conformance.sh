#!/usr/bin/env bash
# Runs the OCI distribution-spec conformance suite (a built `conformance.test` binary, see
# docs/registry.md#conformance) against the embedded registry, all four workflows, once per target:
#
#   memory    startRegistry() in memory
#   dir       startRegistry({ storage: { dir } }) in a fresh temp dir
#   basic     in memory with Basic auth
#   token     in memory with token auth (the registry is its own token server)
#   distribution  CNCF distribution (`docker-registry`, in memory, no auth), for comparison; only when named
#
# usage: scripts/conformance.sh CONFORMANCE_BINARY [TARGET...]     (default targets: memory dir basic token)
# env:   CONFORMANCE_OUT    where each target's log and junit.xml go (default: a new temp dir, printed)
#        DOCKER_REGISTRY    the distribution binary (default /usr/bin/docker-registry)
#
# Uses dist/ (built here with tsup when missing). Every server listens on 127.0.0.1 with its own port and
# temp dir and is stopped by its PID when the script exits, also on failure or interrupt.
# Prints one line per target: passed, failed, skipped, then the names of the failed specs.
# Exits 0 when every spec passed on every target, 1 otherwise, 2 on a usage or start-up problem.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE="${1:-}"
[ -n "$SUITE" ] && [ -x "$SUITE" ] || { echo "usage: scripts/conformance.sh CONFORMANCE_BINARY [memory|dir|basic|token|distribution ...]" >&2; exit 2; }
SUITE="$(cd "$(dirname "$SUITE")" && pwd)/$(basename "$SUITE")"
shift
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(memory dir basic token)
for target in "${TARGETS[@]}"; do
  case "$target" in
    memory | dir | basic | token | distribution) ;;
    *) echo "unknown target $target (memory, dir, basic, token, distribution)" >&2; exit 2 ;;
  esac
done
DOCKER_REGISTRY="${DOCKER_REGISTRY:-/usr/bin/docker-registry}"
OUT="${CONFORMANCE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/mp-conformance.XXXXXX")}"
mkdir -p "$OUT"
USERNAME=conformance
PASSWORD=conformance-secret

SERVER_PID=""
WORK=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; WORK=""; fi
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f "$ROOT/dist/registry/index.js" ] || (cd "$ROOT" && npx tsup --silent)

# Serves the embedded registry until SIGTERM; prints its URL on stdout once it listens.
LAUNCHER='
const { startRegistry } = await import(process.env.MP_REGISTRY_ENTRY);
const { MP_MODE: mode, MP_DIR: dir, MP_USERNAME: username, MP_PASSWORD: password } = process.env;
const options = { host: "127.0.0.1", port: 0 };
if (mode === "dir") options.storage = { dir };
if (mode === "basic") options.auth = { basic: { username, password } };
if (mode === "token") options.auth = { token: { username, password } };
const registry = await startRegistry(options);
process.on("SIGTERM", () => registry.close().then(() => process.exit(0), () => process.exit(1)));
console.log(registry.url);
'

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Starts the server of target $1 in $WORK; sets SERVER_PID and URL.
start_server() {
  local target="$1" log="$OUT/$1.server.log"
  URL=""
  if [ "$target" = distribution ]; then
    [ -x "$DOCKER_REGISTRY" ] || { echo "no distribution binary at $DOCKER_REGISTRY" >&2; return 1; }
    local port; port="$(free_port)"
    cat > "$WORK/config.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  inmemory: {}
  delete: {enabled: true}
  maintenance: {uploadpurging: {enabled: false}}
http:
  addr: 127.0.0.1:$port
  secret: conformance-test-secret
EOF
    "$DOCKER_REGISTRY" serve "$WORK/config.yml" > "$log" 2>&1 &
    SERVER_PID=$!
    URL="http://127.0.0.1:$port"
  else
    MP_REGISTRY_ENTRY="$ROOT/dist/registry/index.js" MP_MODE="$target" MP_DIR="$WORK/data" \
      MP_USERNAME="$USERNAME" MP_PASSWORD="$PASSWORD" \
      node --input-type=module -e "$LAUNCHER" > "$WORK/url" 2> "$log" &
    SERVER_PID=$!
  fi
  local i
  for i in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the $target server exited; see $log" >&2; return 1; }
    if [ -z "$URL" ] && [ -s "$WORK/url" ]; then URL="$(head -1 "$WORK/url")"; fi
    if [ -n "$URL" ] && node -e 'fetch(process.argv[1] + "/v2/").then((r) => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))' "$URL"; then
      return 0
    fi
    sleep 0.1
  done
  echo "the $target server did not answer within 10 s; see $log" >&2
  return 1
}

run_target() {
  local target="$1" report="$OUT/$1"
  mkdir -p "$report"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/mp-conformance-$target.XXXXXX")"
  start_server "$target" || { stop_server; return 2; }
  local credentials=()
  case "$target" in basic | token) credentials=(OCI_USERNAME="$USERNAME" OCI_PASSWORD="$PASSWORD") ;; esac
  # The suite writes junit.xml and report.html to OCI_REPORT_DIR and exits non-zero when a spec fails.
  # OCI_AUTOMATIC_CROSSMOUNT=0: none of the targets mounts a blob without `from`, and saying so runs the spec checking it.
  (cd "$report" && env "${credentials[@]}" \
    OCI_ROOT_URL="$URL" OCI_NAMESPACE=conformance/main OCI_CROSSMOUNT_NAMESPACE=conformance/other \
    OCI_TEST_PULL=1 OCI_TEST_PUSH=1 OCI_TEST_CONTENT_DISCOVERY=1 OCI_TEST_CONTENT_MANAGEMENT=1 \
    OCI_AUTOMATIC_CROSSMOUNT="${OCI_AUTOMATIC_CROSSMOUNT:-0}" OCI_HIDE_SKIPPED_WORKFLOWS=0 OCI_DEBUG=0 OCI_REPORT_DIR="$report" \
    "$SUITE" -ginkgo.no-color > "$report/suite.log" 2>&1) || true
  stop_server
  local summary
  summary="$(grep -Eo '[0-9]+ Passed \| [0-9]+ Failed \| [0-9]+ Pending \| [0-9]+ Skipped' "$report/suite.log" | tail -1 || true)"
  if [ -z "$summary" ]; then
    printf '%-12s  no result (see %s)\n' "$target" "$report/suite.log"
    return 2
  fi
  read -r passed _ _ failed _ _ _ _ _ skipped _ <<<"$summary"
  printf '%-12s  %3d passed  %3d failed  %3d skipped\n' "$target" "$passed" "$failed" "$skipped"
  # Ginkgo's closing summary names each failed spec on a `[FAIL]` line.
  sed -n '/^Summarizing/,$p' "$report/suite.log" | grep -E '^\s*\[FAIL\]' | sed 's/^\s*/              /' || true
  [ "$failed" -eq 0 ]
}

echo "suite: $SUITE"
echo "logs:  $OUT"
status=0
for target in "${TARGETS[@]}"; do
  rc=0; run_target "$target" || rc=$?
  if ((rc > status)); then status=$rc; fi
done
exit "$status"
