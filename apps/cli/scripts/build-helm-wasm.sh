#!/usr/bin/env bash
# Builds the CLI's Helm engine, helm-wasm/main.go with helm.sh/helm/v4, to
# WebAssembly (GOOS=js GOARCH=wasm) and puts it in dist/helm/:
#   helm.wasm.br    the program, brotli-compressed (src/helm/engine.ts inflates it)
#   wasm_exec.js    Go's JS support file, from the Go toolchain that built it
#   helm-wasm.json  what was built: versions, cache key, sizes
# The build is cached outside the repo, in
#   $LINKERD_SMI_CACHE (default ~/.cache/linkerd-smi)/helm-wasm/<helm version>-<key>/
# where key hashes main.go, go.mod, go.sum, the Go version, the link flags, the
# brotli quality and BUILD_REVISION below; a cached build is reused as is.
#
# The helm version is packages/testenv/versions.json's (Helm 4), which
# helm-wasm/go.mod must require; the link flags are build-binaries.sh's
# helm_ldflags (the version string), and go.mod must resolve the k8s.io/client-go
# that helm's own go.mod requires, since Helm 4 takes the default Kubernetes
# version of `helm template` from the client-go in the build info: so this
# engine and the helm binary the tests compare it with are built alike.
set -euo pipefail

BUILD_REVISION=1 # bump when this script changes what it produces
# Brotli quality 11 makes the smallest file (7.6 MB, against 9.2 MB at 9 and
# 9.6 MB at 5) but takes about two minutes; set a lower one while working on
# main.go (LINKERD_SMI_HELM_WASM_BROTLI_QUALITY=5 takes two seconds).
QUALITY=${LINKERD_SMI_HELM_WASM_BROTLI_QUALITY:-11}

log() { printf '[helm-wasm %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  printf 'build-helm-wasm: %s\n' "$*" >&2
  exit 1
}

# gomod and helm_ldflags, exactly as build-binaries.sh defines them (that
# script cannot be sourced: it builds when run).
load_helm_ldflags() {
  local script=$1
  eval "$(sed -n -e '/^gomod() {/,/^}/p' -e '/^helm_ldflags() {/,/^}/p' "$script")"
  declare -F gomod helm_ldflags >/dev/null || die "cannot find gomod() and helm_ldflags() in $script"
}

main() {
  local cli src testenv out cache
  cli=$(cd "$(dirname "$0")/.." && pwd)
  src=$cli/helm-wasm
  testenv=$cli/../../packages/testenv
  out=$cli/dist/helm
  cache=${LINKERD_SMI_CACHE:-$HOME/.cache/linkerd-smi}

  command -v go >/dev/null || die "Go is required to build the helm engine (https://go.dev/dl)"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"

  # helm_ldflags reads HELM.
  HELM=$(node -p "require(process.argv[1]).helm" "$testenv/versions.json")
  local required
  required=$(awk '$1 == "helm.sh/helm/v4" {print $2}; $1 == "require" && $2 == "helm.sh/helm/v4" {print $3}' "$src/go.mod")
  [[ $required == "$HELM" ]] ||
    die "helm-wasm/go.mod requires helm.sh/helm/v4 ${required:-(nothing)} but versions.json says $HELM; run: (cd apps/cli/helm-wasm && go get helm.sh/helm/v4@$HELM && go mod tidy)"

  load_helm_ldflags "$testenv/scripts/build-binaries.sh"
  # The helm binary is built from helm alone, so it links the client-go of
  # helm's go.mod; a newer one here would change the default KubeVersion.
  local clientgo helmclientgo
  clientgo=$(awk '$1 == "k8s.io/client-go" {print $2}' "$src/go.mod")
  helmclientgo=$(gomod "helm.sh/helm/v4@$HELM" | awk '$1 == "k8s.io/client-go" {print $2}')
  [[ -n $helmclientgo && $clientgo == "$helmclientgo" ]] ||
    die "helm-wasm/go.mod resolves k8s.io/client-go ${clientgo:-(nothing)} but helm $HELM requires ${helmclientgo:-(nothing)}: the engine's default KubeVersion would differ from the helm binary's"
  local ldflags goversion key dir
  ldflags=$(helm_ldflags)
  goversion=$(go env GOVERSION)
  key=$(
    {
      printf '%s\n' "$BUILD_REVISION" "$QUALITY" "$HELM" "$goversion" "$ldflags"
      cat "$src/main.go" "$src/go.mod" "$src/go.sum"
    } | node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(0)).digest("hex").slice(0, 16))'
  )
  dir=$cache/helm-wasm/$HELM-$key

  mkdir -p "$cache/helm-wasm"
  if [[ ! -f $dir/helm-wasm.json ]] && command -v flock >/dev/null; then
    # One build per key at a time (test workers may all ask at once).
    exec 9>"$cache/helm-wasm/.lock-$key"
    flock 9
  fi
  if [[ -f $dir/helm-wasm.json ]]; then
    log "helm $HELM engine: cached at $dir"
  else
    build "$src" "$dir" "$key" "$ldflags" "$goversion"
  fi

  mkdir -p "$out"
  local f
  for f in helm.wasm.br wasm_exec.js helm-wasm.json; do
    if ! cmp -s "$dir/$f" "$out/$f"; then
      cp "$dir/$f" "$out/.$f.$$" && mv -f "$out/.$f.$$" "$out/$f"
    fi
  done
  log "helm $HELM engine -> $out ($(du -k "$out/helm.wasm.br" | cut -f1) KB)"
}

# build SRC DIR KEY LDFLAGS GOVERSION: compiles, compresses, publishes DIR.
build() {
  local src=$1 dir=$2 key=$3 ldflags=$4 goversion=$5
  log "helm $HELM engine: building $src for js/wasm with $goversion (once per change of helm-wasm/)"
  local start=$SECONDS
  work=$(mktemp -d "$(dirname "$dir")/.build-$key.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$src" && GOOS=js GOARCH=wasm go build -trimpath -ldflags "-s -w $ldflags" -o "$work/helm.wasm" .)
  local goroot wasm_exec
  goroot=$(go env GOROOT)
  wasm_exec=$goroot/lib/wasm/wasm_exec.js
  [[ -f $wasm_exec ]] || wasm_exec=$goroot/misc/wasm/wasm_exec.js # Go < 1.24
  cp "$wasm_exec" "$work/wasm_exec.js"
  log "compiled in $((SECONDS - start))s ($(du -m "$work/helm.wasm" | cut -f1) MB); compressing with brotli -q $QUALITY"
  node - "$work" "$QUALITY" "$HELM" "$goversion" "$key" "$ldflags" <<'EOF'
const fs = require("node:fs");
const zlib = require("node:zlib");
const [dir, quality, helmVersion, goVersion, key, ldflags] = process.argv.slice(2);
const raw = fs.readFileSync(`${dir}/helm.wasm`);
const br = zlib.brotliCompressSync(raw, {
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: Number(quality),
    [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
  },
});
fs.writeFileSync(`${dir}/helm.wasm.br`, br);
fs.rmSync(`${dir}/helm.wasm`);
const meta = {
  helmVersion,
  goVersion,
  key,
  ldflags,
  wasmBytes: raw.length,
  brotliBytes: br.length,
  brotliQuality: Number(quality),
};
fs.writeFileSync(`${dir}/helm-wasm.json`, JSON.stringify(meta, null, 2) + "\n");
EOF
  # Publish whole: a concurrent build of the same key (without flock) loses.
  [[ -e $dir ]] || mv "$work" "$dir"
  [[ -f $dir/helm-wasm.json ]] || die "cannot move $work to $dir"
  log "helm $HELM engine: built in $((SECONDS - start))s -> $dir"
}

# Everything runs from functions, parsed before anything runs: editing this
# file during a build does not derail it.
main "$@"
