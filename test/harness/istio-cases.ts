/**
 * The cases of one of Istio's own tests that are plain data, as test/sim-cases/main.go reads them with go/ast from
 * the Istio module the tests build istioctl and istiod from (nothing copied): its JSON, parsed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { upstreamBinaries } from './upstream.js';

/** `which` is main.go's mode (routes, peer-authentication, validate-resource); `file` a path in the Istio module. */
export function istioTestCases(which: 'routes' | 'peer-authentication' | 'validate-resource', file: string): any[] {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'meshctl-istio-cases-'));
  writeFileSync(join(work, 'go.mod'), 'module meshctl.local/simcases\n\ngo 1.26\n');
  writeFileSync(join(work, 'main.go'), readFileSync(join(repo, 'test', 'sim-cases', 'main.go')));
  const istio = upstreamBinaries().istioModuleDir;
  assert.ok(istio, 'the Istio module\'s directory (scripts/build-upstream.sh records it)');
  const go = spawnSync('go', ['run', '.', which, join(istio, file)],
    { cwd: work, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } });
  assert.equal(go.status, 0, go.stderr);
  return JSON.parse(go.stdout);
}
