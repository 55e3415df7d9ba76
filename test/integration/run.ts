/**
 * The integration test run: starts one control plane shared by every integration test file, runs them
 * with node's test runner (each test in its own namespace), then stops the control plane. Meant to run
 * inside a network namespace with only loopback (scripts/test-integration.sh arranges that).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../harness/control-plane.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join(here, f));

const t0 = Date.now();
const cp = await startControlPlane({ nodes: 2, kubelet: true, log: (l) => process.stderr.write(`[control plane ${((Date.now() - t0) / 1000).toFixed(1)}s] ${l}\n`) });
process.stderr.write(`[control plane] up in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${cp.server}\n`);
let code: number;
const stopAndExit = async (signal?: string) => {
  await cp.stop();
  if (signal) process.exit(130);
};
process.once('SIGINT', () => void stopAndExit('SIGINT'));
process.once('SIGTERM', () => void stopAndExit('SIGTERM'));
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
      stdio: 'inherit',
      env: { ...process.env, MESHCTL_TEST_KUBECONFIG: cp.kubeconfig, KUBECONFIG: cp.kubeconfig },
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
} finally {
  await cp.stop();
}
process.exit(code);
