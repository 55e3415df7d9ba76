/**
 * Installs upstream CRDs into the test control plane: Istio's as rendered by the built istioctl, and the
 * Gateway API's standard channel from its Go module. Server-side apply, so calling it again is harmless.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { eventually, type TestCluster } from './namespace.js';
import { requireIstioctl, upstreamBinaries, upstreamVersions } from './upstream.js';

/** Every document `istioctl manifest generate` renders for a profile. */
export function istioManifest(profile = 'demo'): any[] {
  const out = execFileSync(requireIstioctl(), ['manifest', 'generate', '--set', `profile=${profile}`], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out.toString()).map((d) => d.toJS()).filter((d) => d && d.kind);
}

export function istioCrds(): any[] {
  return istioManifest('minimal').filter((d) => d.kind === 'CustomResourceDefinition');
}

export function gatewayApiCrds(): any[] {
  const dir = upstreamBinaries().gatewayApiCrds;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((d) => d && d.kind === 'CustomResourceDefinition');
}

/** Server-side applies CRDs and waits until each is Established. Returns their names. */
export async function applyCrds(cluster: TestCluster, crds: any[]): Promise<string[]> {
  for (const crd of crds) {
    const res = await cluster.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=meshctl-test&force=true`, crd);
    if (res.status !== 200 && res.status !== 201) throw new Error(`applying CRD ${crd.metadata.name}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const { body } = await cluster.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      return (body.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
    }, 60_000);
    // Established is not yet served: the resource's storage may still be initializing (503) for a moment
    const version = (crd.spec.versions.find((v: any) => v.storage) ?? crd.spec.versions[0]).name;
    await eventually(`${crd.spec.names.plural} served`, async () =>
      (await cluster.request('GET', `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}?limit=1`)).status === 200, 60_000);
  }
  return crds.map((c) => c.metadata.name);
}

/** The Gateway API module's directory in Go's module cache (scripts/build-upstream.sh took the CRDs from it). */
export function gatewayApiModuleDir(): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${upstreamVersions().GATEWAY_API_VERSION}`], { env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' } });
  return JSON.parse(out.toString()).Dir;
}

/** The .yaml files under a directory, recursively. */
export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFilesUnder(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));
}
