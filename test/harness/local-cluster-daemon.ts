/**
 * The process behind `scripts/local-cluster up`: runs inside the loopback-only network namespace, starts
 * the control plane and the loopback release mirror, writes `<state>/env` for `exec`, and stops both on
 * SIGTERM/SIGINT.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.js';
import { assembleRelease, mirrorVersion, serveMirror } from './mirror.js';

const args = process.argv.slice(2);
const state = args[args.indexOf('--state') + 1];
const nodes = Number(args.includes('--nodes') ? args[args.indexOf('--nodes') + 1] : 2);
if (!state) throw new Error('usage: local-cluster-daemon --state DIR [--nodes N]');
const log = (l: string) => process.stderr.write(`[local-cluster ${new Date().toISOString().slice(11, 19)}] ${l}\n`);

mkdirSync(state, { recursive: true });
const cp = await startControlPlane({ dir: join(state, 'control-plane'), nodes, log });
const mirrorRoot = join(state, 'mirror');
if (!existsSync(join(mirrorRoot, 'releases.json'))) {
  log('assembling the Istio release for the loopback mirror');
  await assembleRelease(mirrorRoot);
}
const mirror = await serveMirror(mirrorRoot);
writeFileSync(join(state, 'env'), [
  `KUBECONFIG=${cp.kubeconfig}`,
  `MESHCTL_MIRROR=${mirror.url}`,
  `MESHCTL_ISTIO_VERSION=${mirrorVersion()}`,
  `MESHCTL_CACHE_DIR=${join(state, 'cache')}`,
].join('\n') + '\n');
writeFileSync(join(state, 'ready'), `${cp.server}\n`);
log(`ready: apiserver ${cp.server}, mirror ${mirror.url}`);

const stop = async () => {
  log('stopping');
  await mirror.close();
  await cp.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setInterval(() => {}, 1 << 30);
