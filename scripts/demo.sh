#!/usr/bin/env bash
# The main job on a machine without Docker: bring up the local control plane (real apiserver, fake nodes,
# loopback-only network namespace), install Istio's demo profile from the loopback release mirror, deploy
# meshctl's bookinfo sample with a canary for reviews, and print meshctl status. Needs root.
# The cluster stays up for exploring: scripts/local-cluster exec -- node bin/meshctl.js status
# Stop it with: scripts/local-cluster down
set -euo pipefail
cd "$(dirname "$0")/.."
in_cluster() { scripts/local-cluster exec -- "$@"; }
meshctl() { in_cluster node bin/meshctl.js "$@"; }
scripts/local-cluster up
echo "+ meshctl install --profile demo -y" >&2
meshctl install --profile demo -y
echo "+ kubectl-free: create namespace bookinfo and apply samples/bookinfo/bookinfo.yaml; split reviews v1=90 v2=10" >&2
in_cluster node dist/test/harness/apply-file.js --namespace bookinfo samples/bookinfo/bookinfo.yaml
meshctl split reviews v1=90 v2=10 -n bookinfo | in_cluster node dist/test/harness/apply-file.js --namespace bookinfo -
echo "+ meshctl status" >&2
meshctl status
echo >&2
echo "The local cluster is still up. Explore:  scripts/local-cluster exec -- node bin/meshctl.js status -o json" >&2
echo "Stop it:                                scripts/local-cluster down" >&2
