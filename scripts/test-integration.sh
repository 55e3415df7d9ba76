#!/usr/bin/env bash
# Runs the integration tests against a real control plane. Builds (or reuses) the upstream binaries
# first, with network access to the Go module proxy; then runs the tests inside new network, PID and
# mount namespaces: the network has only loopback, so nothing the tests start can reach another address,
# and when the run ends the kernel ends every process left in the PID namespace.
# Usage: scripts/test-integration.sh [FILTER...]   (FILTER: part of a test file name)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "integration tests need root (they run in their own network namespace with unshare -n); run the unit tests with: npm run test:unit" >&2
  exit 1
fi
for tool in unshare ip openssl go; do
  command -v "$tool" >/dev/null || { echo "integration tests need '$tool' on the PATH" >&2; exit 1; }
done
scripts/build-upstream.sh >/dev/null
# the tests' temporary directories (releases, caches, cluster state) go in one directory, removed afterwards
exec scripts/with-tmpdir.sh unshare --net --pid --fork --mount-proc --kill-child=SIGKILL \
  bash -c 'ip link set lo up && exec node dist/test/integration/run.js "$@"' bash "$@"
