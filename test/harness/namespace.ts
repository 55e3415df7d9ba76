/** Per-test access to the shared integration control plane: each test gets its own namespace. */
import { randomBytes } from 'node:crypto';
import { kubeRequesterFromKubeconfig, type KubeRequest } from './control-plane.js';

export interface TestCluster {
  kubeconfig: string;
  request: KubeRequest;
}

/** The shared control plane started by test/integration/run.ts. */
export function testCluster(): TestCluster {
  const kubeconfig = process.env.MESHCTL_TEST_KUBECONFIG;
  if (!kubeconfig) throw new Error('MESHCTL_TEST_KUBECONFIG is not set: run integration tests through scripts/test-integration.sh');
  return { kubeconfig, request: kubeRequesterFromKubeconfig(kubeconfig).request };
}

/** Creates a namespace with a unique name for one test. */
export async function createTestNamespace(cluster: TestCluster, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const res = await cluster.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  if (res.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}

/** Polls until `check` is true or the time is up (then throws with `what`). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}
