#!/usr/bin/env bash
# Builds the upstream binaries the integration tests need (kube-apiserver, kube-controller-manager,
# kube-scheduler, etcd, kwok, istioctl, pilot-discovery (istiod); Gateway API CRDs) from the Go module proxy into a cache outside the repo:
#   ${MESHCTL_UPSTREAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshctl/upstream}/<name>-<version>/
# Idempotent: a binary already in the cache is reused. Prints the cache root on the last line of stdout.
# Usage: scripts/build-upstream.sh [k8s|etcd|kwok|istioctl ...]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=upstream-versions.env
. "$here/upstream-versions.env"
cache=${MESHCTL_UPSTREAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshctl/upstream}
mkdir -p "$cache"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
log() { echo "[build-upstream $(date +%H:%M:%S)] $*" >&2; }

# Builds into a temp dir, then renames its out/ into place, so a half-built cache entry is never used.
finish() { # $1 work dir (with out/)  $2 final dir
  rm -rf "$2"; mv "$1/out" "$2"; rm -rf "$1"
}

build_k8s() {
  local dest="$cache/kubernetes-$K8S_VERSION"
  if [ -x "$dest/bin/kube-apiserver" ] && [ -x "$dest/bin/kube-controller-manager" ] && [ -x "$dest/bin/kube-scheduler" ]; then
    log "kubernetes $K8S_VERSION: cached"; return; fi
  log "kubernetes $K8S_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler"
  local work; work=$(mktemp -d "$cache/.k8s-XXXXXX")
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local staging_version="v0.${K8S_VERSION#v1.}"
  ( cd "$work"
    go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
    local gomod; gomod=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod
    { echo "module meshctl.local/k8sbuild"; echo; echo "go $(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')"; echo
      echo "require k8s.io/kubernetes $K8S_VERSION"; echo; echo "replace ("
      # every staging module the kubernetes go.mod points at ./staging/... is replaced with its release
      sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*#\1#p' "$gomod" | while read -r m; do
        echo "	$m => $m $staging_version"; done
      echo ")"; } > go.mod
    local pkg="k8s.io/component-base/version" cg="k8s.io/client-go/pkg/version" date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    local ld="-s -w"
    for p in $pkg $cg; do
      ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$date"
    done
    mkdir -p out/bin
    go build -trimpath -ldflags "$ld" -o out/bin/ \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler )
  finish "$work" "$dest"
  log "kubernetes $K8S_VERSION: done"
}

build_etcd() {
  local dest="$cache/etcd-$ETCD_VERSION"
  if [ -x "$dest/bin/etcd" ]; then log "etcd $ETCD_VERSION: cached"; return; fi
  log "etcd $ETCD_VERSION: building"
  local work; work=$(mktemp -d "$cache/.etcd-XXXXXX")
  ( cd "$work"
    printf 'module meshctl.local/etcdbuild\n\ngo 1.25\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > go.mod
    # the etcd server's own entry point, called from a two-line main of ours
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
    mkdir -p out/bin
    go build -trimpath -ldflags "-s -w" -o out/bin/etcd . )
  finish "$work" "$dest"
  log "etcd $ETCD_VERSION: done"
}

build_kwok() {
  local dest="$cache/kwok-$KWOK_VERSION"
  if [ -x "$dest/bin/kwok" ] && [ -d "$dest/stage" ] && [ -d "$dest/crd" ]; then log "kwok $KWOK_VERSION: cached"; return; fi
  log "kwok $KWOK_VERSION: building"
  local work; work=$(mktemp -d "$cache/.kwok-XXXXXX")
  ( cd "$work"
    printf 'module meshctl.local/kwokbuild\n\ngo 1.26\n\nrequire sigs.k8s.io/kwok %s\n' "$KWOK_VERSION" > go.mod
    mkdir -p out/bin
    go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" -o out/bin/kwok sigs.k8s.io/kwok/cmd/kwok
    # kwok's default stages (node heartbeat, pod ready) are read from its module at run time
    local dir; dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
    cp -r "$dir/kustomize/stage" out/stage; chmod -R u+w out/stage
    # and its CRDs (logs, exec, port-forward of fake pods), applied by the control plane when it serves them
    cp -r "$dir/kustomize/crd/bases" out/crd; chmod -R u+w out/crd )
  finish "$work" "$dest"
  log "kwok $KWOK_VERSION: done"
}

# istioctl, and istiod's binary (pilot-discovery, which the local cluster runs for an install's istiod Deployment),
# from the same Istio module with the release's version stamp, each in a cache entry of its own
build_istio_cmd() { # $1 binary name, $2 package
  local name=$1 pkg=$2
  local dest="$cache/$name-$ISTIO_VERSION-$ISTIO_COMMIT"
  if [ -x "$dest/bin/$name" ]; then log "$name $ISTIO_VERSION ($ISTIO_COMMIT): cached"; return; fi
  log "$name $ISTIO_VERSION ($ISTIO_COMMIT): building"
  local work; work=$(mktemp -d "$cache/.$name-XXXXXX")
  ( cd "$work"
    printf 'module meshctl.local/%sbuild\n\ngo 1.26\n\nrequire istio.io/istio %s\n' "${name//-/}" "$ISTIO_MODULE_VERSION" > go.mod
    local p=istio.io/istio/pkg/version
    mkdir -p out/bin
    go build -trimpath -ldflags "-s -w -X $p.buildVersion=$ISTIO_VERSION -X $p.buildGitRevision=$ISTIO_COMMIT -X $p.buildStatus=Clean -X $p.buildTag=$ISTIO_VERSION -X $p.buildHub=docker.io/istio" \
      -o "out/bin/$name" "$pkg"
    # the release's samples (bookinfo, addons…) are part of the mirror's archive, taken from the same module
    local dir; dir=$(go list -m -f '{{.Dir}}' istio.io/istio)
    echo "$dir" > out/module-dir )
  finish "$work" "$dest"
  log "$name $ISTIO_VERSION: done"
}

build_gateway_api() {
  local dest="$cache/gateway-api-$GATEWAY_API_VERSION"
  if [ -d "$dest/standard" ] && [ -d "$dest/conformance" ]; then log "gateway-api $GATEWAY_API_VERSION CRDs: cached"; return; fi
  log "gateway-api $GATEWAY_API_VERSION CRDs and conformance manifests: fetching the modules"
  local work; work=$(mktemp -d "$cache/.gwapi-XXXXXX")
  ( cd "$work"
    local dir; dir=$(go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    # the conformance suite's manifests (a module of its own): a corpus for the validate tests
    local cdir; cdir=$(go mod download -json "sigs.k8s.io/gateway-api/conformance@$GATEWAY_API_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    mkdir -p out/conformance
    cp -r "$dir/config/crd/standard" "$dir/config/crd/experimental" out/
    for d in tests base mesh; do mkdir -p "out/conformance/$d"; cp "$cdir/$d"/*.yaml "out/conformance/$d/"; done
    chmod -R u+w out )
  finish "$work" "$dest"
  log "gateway-api $GATEWAY_API_VERSION CRDs: done"
}

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(etcd kwok k8s istioctl pilot-discovery gateway-api)
for t in "${targets[@]}"; do
  case "$t" in
    k8s|kubernetes) build_k8s ;; etcd) build_etcd ;; kwok) build_kwok ;; istioctl|istio) build_istio_cmd istioctl istio.io/istio/istioctl/cmd/istioctl ;;
    pilot-discovery|istiod) build_istio_cmd pilot-discovery istio.io/istio/pilot/cmd/pilot-discovery ;; gateway-api) build_gateway_api ;;
    *) echo "build-upstream: unknown target '$t' (k8s, etcd, kwok, istioctl, pilot-discovery, gateway-api)" >&2; exit 64 ;;
  esac
done
echo "$cache"
