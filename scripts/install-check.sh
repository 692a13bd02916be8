#!/usr/bin/env bash
# Installs multiplatform the three ways README.md's Install section describes, each into a fresh
# project, and checks that what got installed works: ESM import and CJS require of every entry,
# the TypeScript types (a small .ts and .cts file typechecked with --moduleResolution nodenext),
# and the `multiplatform` bin.
#
#   git      npm install git+file://<fresh clone>   (the code path of git+https://: npm clones,
#            installs devDependencies, runs `prepare`, packs)
#   tarball  npm ci && npm pack in the clone, then npm install <the .tgz>
#   path     npm install <the clone>                (npm links the folder: it must be built, which
#            `npm ci` in it did through `prepare`)
#
# It works on a fresh clone of the committed HEAD, so uncommitted changes are not checked.
# Needs the npm registry (or a warm npm cache) for dependencies.
#
# usage: scripts/install-check.sh [--repo DIR] [--only git|tarball|path]...
#   --repo DIR   the repository to clone (default: the one this script is in)
#   --only MODE  check only these modes (repeatable; default: all three)
# Prints one "ok MODE …" line per mode and the time it took; exits 1 at the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$here"
modes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) repo="$(cd "$2" && pwd)"; shift 2 ;;
    --only) modes+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#modes[@]} -gt 0 ] || modes=(git tarball path)
for mode in "${modes[@]}"; do
  case "$mode" in git|tarball|path) ;; *) echo "install-check: --only takes git, tarball or path, not $mode" >&2; exit 2 ;; esac
done

tsc="$here/node_modules/.bin/tsc"
node_types="$here/node_modules/@types"
[ -x "$tsc" ] || { echo "install-check: $tsc is missing; run npm ci in $here first" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mp-install-check-XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

npm_quiet=(--prefer-offline --no-audit --no-fund --loglevel=error)
step() { printf 'install-check: %s\n' "$*" >&2; }
seconds_since() { echo "$(( $(date +%s) - $1 ))"; }

step "cloning $repo"
git clone --quiet --no-hardlinks "$repo" "$work/clone"
version="$(node -p "require('$work/clone/package.json').version")"

needs_built_clone=false
for mode in "${modes[@]}"; do [ "$mode" = git ] || needs_built_clone=true; done
if $needs_built_clone; then
  step "npm ci in the clone (builds it through prepare)"
  (cd "$work/clone" && npm ci "${npm_quiet[@]}" >/dev/null)
fi

# The checks a consumer project runs against the installed package.
write_checks() {
  local dir="$1"
  cat >"$dir/check.mjs" <<'EOF'
import { RegistryClient, parseReference, VERSION } from 'multiplatform';
import { parseDigest, composeIndex } from 'multiplatform/oci';
import { startRegistry } from 'multiplatform/registry';
const expected = process.argv[2];
if (VERSION !== expected) throw new Error(`ESM VERSION is ${VERSION}, expected ${expected}`);
for (const [name, value] of Object.entries({ RegistryClient, parseReference, parseDigest, composeIndex, startRegistry })) {
  if (typeof value !== 'function') throw new Error(`ESM export ${name} is ${typeof value}`);
}
if (parseReference('alpine').registry !== 'docker.io') throw new Error('parseReference does not work');
EOF
  cat >"$dir/check.cjs" <<'EOF'
const { RegistryClient, parseReference, VERSION } = require('multiplatform');
const { parseDigest, composeIndex } = require('multiplatform/oci');
const { startRegistry } = require('multiplatform/registry');
const expected = process.argv[2];
if (VERSION !== expected) throw new Error(`CJS VERSION is ${VERSION}, expected ${expected}`);
for (const [name, value] of Object.entries({ RegistryClient, parseReference, parseDigest, composeIndex, startRegistry })) {
  if (typeof value !== 'function') throw new Error(`CJS export ${name} is ${typeof value}`);
}
EOF
  cat >"$dir/check.ts" <<'EOF'
import { RegistryClient, parseReference, type Reference, type InspectResult } from 'multiplatform';
import { parseDigest, type Digest } from 'multiplatform/oci';
import { startRegistry } from 'multiplatform/registry';
const ref: Reference = parseReference('ghcr.io/me/app:1');
const registry: string = ref.registry;
const digest: Digest = parseDigest(`sha256:${'0'.repeat(64)}`);
const client = new RegistryClient({ dockerConfig: false });
const later: Promise<InspectResult> = client.inspect(ref);
void [registry, digest, later, startRegistry];
EOF
  cat >"$dir/check.cts" <<'EOF'
import mp = require('multiplatform');
import oci = require('multiplatform/oci');
const ref: mp.Reference = mp.parseReference('alpine');
const digest: string = oci.parseDigest(`sha256:${'0'.repeat(64)}`);
void [ref, digest];
EOF
}

check_installed() {
  local mode="$1" dir="$2"
  write_checks "$dir"
  (cd "$dir" && node check.mjs "$version") || { echo "install-check: $mode: ESM import failed" >&2; return 1; }
  (cd "$dir" && node check.cjs "$version") || { echo "install-check: $mode: CJS require failed" >&2; return 1; }
  (cd "$dir" && "$tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
    --typeRoots "$node_types" --types node check.ts check.cts) || { echo "install-check: $mode: the types do not typecheck" >&2; return 1; }
  local printed
  printed="$("$dir/node_modules/.bin/multiplatform" --version)" || { echo "install-check: $mode: the bin failed" >&2; return 1; }
  [ "$printed" = "$version" ] || { echo "install-check: $mode: multiplatform --version printed '$printed', expected $version" >&2; return 1; }
  # --version is answered by the bin alone; --help goes on to the command (main.js) through the link.
  printed="$("$dir/node_modules/.bin/multiplatform" --help)" || { echo "install-check: $mode: multiplatform --help failed" >&2; return 1; }
  [[ "$printed" == "usage: multiplatform "* ]] || { echo "install-check: $mode: multiplatform --help printed '${printed%%$'\n'*}'" >&2; return 1; }
}

install_into() {
  local mode="$1" spec="$2" dir="$work/consumer-$mode" start
  start=$(date +%s)
  mkdir -p "$dir"
  printf '{ "name": "consumer-%s", "version": "1.0.0", "private": true }\n' "$mode" >"$dir/package.json"
  step "$mode: npm install $spec"
  (cd "$dir" && npm install "${npm_quiet[@]}" "$spec" >/dev/null) || { echo "install-check: $mode: npm install $spec failed" >&2; return 1; }
  check_installed "$mode" "$dir"
  echo "ok $mode: esm cjs types bin ($version, $(seconds_since "$start") s)"
}

for mode in "${modes[@]}"; do
  case "$mode" in
    git) install_into git "git+file://$work/clone" ;;
    tarball)
      step "npm pack in the clone"
      tarball="$(cd "$work/clone" && npm pack --silent --pack-destination "$work" | tail -n 1)"
      install_into tarball "$work/$tarball"
      ;;
    path) install_into path "$work/clone" ;;
  esac
done
