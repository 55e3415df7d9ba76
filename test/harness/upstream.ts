/** Where the built upstream binaries live: the same cache the local cluster uses (src/providers/local/upstream.ts). */
export * from '../../src/providers/local/upstream.js';
import { spawnSync } from 'node:child_process';
import { requireIstioctl } from '../../src/providers/local/upstream.js';

/** Whether the built istioctl's `validate -f FILE` accepts the file, offline (no kubeconfig), within a minute. */
export function istioctlValidates(file: string): boolean {
  return spawnSync(requireIstioctl(), ['validate', '-f', file], { env: { ...process.env, KUBECONFIG: '' }, encoding: 'utf8', timeout: 60_000 }).status === 0;
}
