#!/usr/bin/env bash
# Builds the real control-plane binaries the tests run (etcd, kube-apiserver,
# kube-controller-manager, helm (Helm 4) and helm3 (Helm 3), Prometheus for
# `linkerd smi stat`, the CNCF Distribution registry and actionlint for the release tests)
# from the Go module proxy, once, into a cache keyed by version:
#   $LINKERD_SMI_CACHE (default ~/.cache/linkerd-smi)/bin/<name>-<version>-b<buildRevision>/<name>
# (buildRevision in versions.json changes when the way we build changes).
# Re-running is cheap: a binary that is already in the cache is not rebuilt.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${LINKERD_SMI_CACHE:-$HOME/.cache/linkerd-smi}
version() { node -p "require('$here/versions.json')['$1']"; }
K8S=$(version kubernetes)
ETCD=$(version etcd)
HELM=$(version helm)
HELM3=$(version helm3)
PROM=$(version prometheus)
DIST=$(version distribution)
ACTIONLINT=$(version actionlint)
REV=$(version buildRevision)

command -v go >/dev/null || { echo "build-binaries: Go is required to build the local control plane (https://go.dev/dl)" >&2; exit 1; }
command -v flock >/dev/null || { echo "build-binaries: flock (util-linux) is required to build each binary once when several builds start together" >&2; exit 1; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '[testenv %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# build NAME VERSION MODULE@VER PACKAGE [LDFLAGS] [EXTRA_GO_MOD_LINES] [BUILD_TAGS]
# One build per cache entry and machine: a second caller (another package's tests,
# another test file) waits on the entry's lock, says so, and then finds the binary built.
build() {
  local name=$1 ver=$2 require=$3 pkg=$4 ldflags=${5:-} extra=${6:-} tags=${7:-}
  local entry="$cache/bin/$name-$ver-b$REV"
  local out="$entry/$name"
  if [[ -x $out ]]; then log "$name $ver: cached at $out"; return; fi
  mkdir -p "$cache/bin"
  local lock="$entry.lock" fd
  exec {fd}>>"$lock"
  if ! flock -n "$fd"; then
    log "$name $ver: another process ($(head -c 200 "$lock" 2>/dev/null || true)) is building it; waiting for that build"
    flock "$fd"
  fi
  printf 'pid %s, started %(%H:%M:%S)T' "$$" -1 >"$lock"
  if [[ -x $out ]]; then
    log "$name $ver: built by the other process -> $out"
    exec {fd}>&-
    return
  fi
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/linkerd-smi-build-$name.XXXXXX")
  log "$name $ver: building from ${require} (this happens once per machine)"
  local start=$SECONDS
  printf 'module build/%s\n\ngo 1.24\n\nrequire %s\n%s\n' "$name" "${require/@/ }" "$extra" >"$work/go.mod"
  log "$name: downloading modules and compiling $pkg"
  # -v names each package as it is compiled; the log is counted every 30s as progress.
  (cd "$work" && exec go build -v -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$work/$name" "$pkg") \
    >"$work/build.log" 2>&1 &
  local pid=$! status=0 ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((++ticks % 30 == 0)); then
      log "$name: $((SECONDS - start))s, $(grep -c '^go: downloading' "$work/build.log" || true) modules downloaded, $(grep -vc '^go: ' "$work/build.log" || true) packages compiled"
    fi
  done
  wait "$pid" || status=$?
  if ((status != 0)); then
    tail -n 40 "$work/build.log" >&2
    log "$name $ver: go build failed (exit $status); the whole log is $work/build.log"
    exit "$status"
  fi
  mkdir -p "$entry"
  mv "$work/$name" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
  rm -rf "$work"
  log "$name $ver: built in $((SECONDS - start))s -> $out"
  exec {fd}>&-
}

# The go.mod of MODULE@VERSION, through the configured module proxy.
gomod() {
  local json
  json=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= go mod download -json "$1")
  node -e 'process.stdout.write(require("fs").readFileSync(JSON.parse(process.argv[1]).GoMod, "utf8"))' "$json"
}

# k8s.io/kubernetes points its staging modules at ./staging with replace directives,
# which a dependent module cannot use; pin each to its published v0.X.Y instead.
k8s_replaces() {
  local staging="v0.${K8S#v1.}"
  echo "replace ("
  gomod "k8s.io/kubernetes@$K8S" | awk '/=> \.\/staging/ {print "\t" $1 " => " $1 " '"$staging"'"}'
  echo ")"
}

# Helm 4's version string, as its Makefile sets it. Its default Kubernetes version
# (.Capabilities.KubeVersion in `helm template`, and `helm lint`'s deprecation checks)
# is not a link flag: helm reads the k8s.io/client-go version from the binary's
# build info (internal/version.K8sIOClientGoModVersion, v0.X.Y -> v1.X), so it is
# whatever client-go the build resolves (helm's go.mod's, here).
helm_ldflags() {
  echo "-X helm.sh/helm/v4/internal/version.version=$HELM -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
}

# Helm 3's default Kubernetes version is set at link time from the client-go it is
# built with, as its Makefile does.
helm3_ldflags() {
  local cg major minor f
  cg=$(gomod "helm.sh/helm/v3@$HELM3" | awk '$1 == "k8s.io/client-go" {print $2}')
  cg=${cg#v0.}
  major=1 minor=${cg%%.*}
  f="-X helm.sh/helm/v3/internal/version.version=$HELM3 -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    f+=" -X $p.k8sVersionMajor=$major -X $p.k8sVersionMinor=$minor"
  done
  echo "$f"
}

k8s_ldflags() {
  local v=$K8S major minor
  major=${v#v}; major=${major%%.*}
  minor=${v#v*.}; minor=${minor%%.*}
  local f=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    f+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$f"
}

# Prometheus's module is tagged v0.3MM.P for Prometheus 3.MM.P.
prometheus_ldflags() {
  local v=${PROM#v0.} p=github.com/prometheus/common/version
  v="3.$((${v%%.*} - 300)).${v#*.}"
  echo "-X $p.Version=$v -X $p.Revision=module-$PROM -X $p.Branch=module -X $p.BuildUser=linkerd-smi -X $p.BuildDate=19700101-00:00:00"
}

targets=${*:-etcd kube-apiserver kube-controller-manager helm helm3 prometheus registry actionlint}
for t in $targets; do
  case $t in
    etcd) build etcd "$ETCD" "go.etcd.io/etcd/server/v3@$ETCD" go.etcd.io/etcd/server/v3 \
      "-X go.etcd.io/etcd/api/v3/version.GitSHA=release-$ETCD" ;;
    kube-apiserver) build kube-apiserver "$K8S" "k8s.io/kubernetes@$K8S" k8s.io/kubernetes/cmd/kube-apiserver \
      "$(k8s_ldflags)" "$(k8s_replaces)" ;;
    # Garbage collection of ownerReferences and EndpointSlices, from the apiserver's release.
    kube-controller-manager) build kube-controller-manager "$K8S" "k8s.io/kubernetes@$K8S" \
      k8s.io/kubernetes/cmd/kube-controller-manager "$(k8s_ldflags)" "$(k8s_replaces)" ;;
    helm) build helm "$HELM" "helm.sh/helm/v4@$HELM" helm.sh/helm/v4/cmd/helm "$(helm_ldflags)" ;;
    # Helm 3, which users still run: the chart's tests run with both.
    helm3) build helm3 "$HELM3" "helm.sh/helm/v3@$HELM3" helm.sh/helm/v3/cmd/helm "$(helm3_ldflags)" ;;
    # remove_all_sd leaves out the cloud service discoveries (the tests use static targets),
    # which halves the build; without builtinassets the web UI is absent, the API is not.
    prometheus) build prometheus "$PROM" "github.com/prometheus/prometheus@$PROM" \
      github.com/prometheus/prometheus/cmd/prometheus "$(prometheus_ldflags)" "" remove_all_sd ;;
    # The OCI registry the release test pushes the image and the chart to (its `registry serve`).
    registry) build registry "$DIST" "github.com/distribution/distribution/v3@$DIST" \
      github.com/distribution/distribution/v3/cmd/registry \
      "-X github.com/distribution/distribution/v3/version.version=$DIST" ;;
    # Lints .github/workflows (`.ci/run`'s workflow check).
    actionlint) build actionlint "$ACTIONLINT" "github.com/rhysd/actionlint@$ACTIONLINT" \
      github.com/rhysd/actionlint/cmd/actionlint \
      "-X github.com/rhysd/actionlint.version=$ACTIONLINT" ;;
    *) echo "build-binaries: unknown target $t (known: etcd kube-apiserver kube-controller-manager helm helm3 prometheus registry actionlint)" >&2; exit 2 ;;
  esac
done
