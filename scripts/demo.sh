#!/usr/bin/env bash
# The main job on a machine without Docker, with meshctl's own commands only: `meshctl up --provider local`
# (the local cluster: a real apiserver with fake nodes in a loopback-only network namespace, reached from
# here on 127.0.0.1 through context meshctl-local-demo; the demo profile; bookinfo exposed through the
# ingress gateway; status until healthy), then a canary for reviews (waiting until istiod has pushed it), then
# status, the cluster list, and routing tests of the canary against istiod's configuration (meshctl test).
# Needs root. The cluster stays up for exploring; remove it with: node bin/meshctl.js down --provider local --name demo
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "the demo's local cluster needs root (a network namespace): sudo npm run demo" >&2; exit 1; }
meshctl() { echo "+ meshctl $*" >&2; node bin/meshctl.js "$@"; }
meshctl up --provider local --name demo
meshctl split v1=90 v2=10 -n bookinfo --apply --wait=pushed --context meshctl-local-demo
meshctl status --context meshctl-local-demo
meshctl cluster list
# what istiod really configures: the 90/10 split, checked through a ghost of productpage's sidecar
meshctl test examples/bookinfo-routing.yaml --context meshctl-local-demo
echo >&2
echo "The local cluster is still up (context meshctl-local-demo). Explore:  node bin/meshctl.js status -o json" >&2
echo "Remove it:                                                          node bin/meshctl.js down --provider local --name demo" >&2
