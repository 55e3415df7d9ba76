#!/usr/bin/env bash
# The main job, offline for now: generate a canary for the bookinfo reviews service, compose a retry
# policy into it, and check the result with the generators' own rules.
set -euo pipefail
cd "$(dirname "$0")/.."
meshctl() { node bin/meshctl.js "$@"; }
echo "# meshctl split reviews v1=90 v2=10 -n bookinfo | meshctl retry reviews --attempts 3 --per-try-timeout 2s --from - -n bookinfo" >&2
meshctl split reviews v1=90 v2=10 -n bookinfo | meshctl retry reviews --attempts 3 --per-try-timeout 2s --retry-on 5xx,reset,connect-failure --from - -n bookinfo
