/**
 * A tiny stand-in for `kubectl apply -f` (server-side apply) used by the demo and tests, so they need no
 * kubectl: `node apply-file.js [--namespace NS] FILE|-`. Creates the namespace when it is missing.
 * Uses meshctl's own Kubernetes client module.
 */
import { Kube } from '../../src/cluster/kube.js';
import { loadObjects } from '../../src/manifests/read.js';

const args = process.argv.slice(2);
const nsIndex = args.indexOf('--namespace');
const namespace = nsIndex === -1 ? undefined : args[nsIndex + 1];
const file = args.filter((_, i) => i !== nsIndex && i !== nsIndex + 1)[0] ?? '-';
const kube = await Kube.connect();
if (namespace && !(await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }))) {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
}
for (const obj of await loadObjects(file)) {
  const ns = (await kube.resourceFor(obj.apiVersion, obj.kind)).namespaced ? (obj.metadata.namespace ?? namespace ?? kube.namespace) : undefined;
  const applied = await kube.apply({ ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } });
  process.stderr.write(`${applied.kind} ${ns ? `${ns}/` : ''}${applied.metadata.name} applied\n`);
}
