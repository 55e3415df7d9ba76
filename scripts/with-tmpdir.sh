#!/usr/bin/env bash
# Runs a command with TMPDIR set to a directory of its own, removed when the command ends (also on Ctrl-C), so
# the temporary directories tests make (releases, caches, cluster state) do not pile up run after run.
# Usage: scripts/with-tmpdir.sh COMMAND [ARG...]
set -uo pipefail
dir=$(mktemp -d "${TMPDIR:-/tmp}/meshctl-run.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
TMPDIR="$dir" "$@"
