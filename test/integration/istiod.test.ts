/**
 * Against a real istiod: a local cluster (its own loopback-only network namespace, pilot-discovery standing in
 * for the istiod Deployment) with the demo profile installed by meshctl. Injection and webhook validation are
 * istiod's own; the agreement test sends every Istio object of the validate fixtures through the apiserver with
 * istiod's validating webhook on (server-side dry-run, strict field validation) and compares the verdict with
 * `meshctl validate`'s. A difference must be written in the fixture as
 *   # istiod-differs: Kind/name: reason
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube } from '../../src/cluster/kube.js';
import { loadSources } from '../../src/manifests/documents.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/validate/', import.meta.url));
const files = ['good', 'bad'].flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, d, f)));
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const CONTEXT = 'meshctl-local-istiod';
const env = { MESHCTL_STATE_DIR: tmp('meshctl-state-'), KUBECONFIG: join(tmp('meshctl-kc-'), 'config'), MESHCTL_CACHE_DIR: tmp('meshctl-cache-') };
let kube: Kube;

before(async () => {
  const up = await runCli(['up', '--provider', 'local', '--name', 'istiod', '--no-sample', '--timeout', '3m'], { env, timeoutMs: 600_000 });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /webhooks: istiod answers the apiserver \(its validation refused a probe, nothing written\)/, 'install waited for the webhooks');
  kube = await Kube.connect({ kubeconfig: env.KUBECONFIG, context: CONTEXT });
  // istiod patches its CA into the webhooks, then switches validation to fail-closed once it serves
  const deadline = Date.now() + 60_000;
  for (;;) {
    const vwc = await kube.get({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istiod-default-validator' } }) as any;
    if (vwc?.webhooks?.every((w: any) => w.failurePolicy === 'Fail' && w.clientConfig?.caBundle)) break;
    if (Date.now() > deadline) throw new Error(`istiod did not take over its validating webhook: ${JSON.stringify(vwc?.webhooks?.map((w: any) => w.failurePolicy))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const ns of ['bookinfo', 'backend']) await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});
after(async () => {
  const down = await runCli(['down', '--provider', 'local', '--name', 'istiod'], { env, timeoutMs: 120_000 });
  assert.equal(down.code, 0, down.stderr);
});

test('status and version ask istiod itself for its version (its /version through the apiserver\'s service proxy)', async () => {
  const version = await runCli(['version', '-o', 'json', '--context', CONTEXT], { env });
  assert.equal(version.code, 0, version.stderr);
  const [cp] = JSON.parse(version.stdout).controlPlane;
  assert.equal(cp.name, 'istiod');
  assert.equal(cp.reported, '1.31-dev', 'pilot-discovery was built with the release\'s version stamp');
  const status = await runCli(['status', '--context', CONTEXT], { env });
  assert.equal(status.code, 0, status.stdout);
  assert.match(status.stdout, /istiod +1\/1 ready, version 1\.31-dev \(istiod reports 1\.31-dev\)/);
});

test('istiod injects: a pod created in an injected namespace gets istio-proxy and istio-init, with their volumes', async () => {
  const inject = await runCli(['inject', 'enable', '-n', 'shop', '--context', CONTEXT], { env });
  assert.equal(inject.code, 0, inject.stderr);
  const pod = await kube.apply({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
  } as any) as any;
  assert.deepEqual(pod.spec.containers.map((c: any) => c.name), ['web', 'istio-proxy']);
  assert.ok(pod.spec.initContainers.some((c: any) => c.name === 'istio-init'), 'istio-init');
  assert.ok(pod.spec.volumes.some((v: any) => v.name === 'istio-envoy'), 'the proxy\'s volumes');
  assert.equal(pod.metadata.annotations['sidecar.istio.io/status'] !== undefined, true);
  const status = await runCli(['inject', 'status', '-n', 'shop', '-o', 'json', '--context', CONTEXT], { env });
  assert.deepEqual(JSON.parse(status.stdout)[0].withoutSidecar, []);
});

test('istiod\'s validating webhook and meshctl validate agree on every Istio object of the validate fixtures, apart from what each fixture documents', async () => {
  let compared = 0;
  let rejectedByIstiod = 0;
  let byWebhook = 0;
  const documented: string[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const name = file.slice(FIXTURES.length);
    const text = readFileSync(file, 'utf8');
    const declared = new Map([...text.matchAll(/^# istiod-differs: (\S+): (.+)$/gm)].map((m) => [m[1], m[2]]));
    const { objects, problems: parse } = await loadSources([file]);
    if (parse.length > 0) continue; // nothing to send
    const mine = await runCli(['validate', file, '-o', 'json'], { env: { KUBECONFIG: '' } });
    const findings: any[] = JSON.parse(mine.stdout).findings;
    for (const { object: o } of objects) {
      if (typeof o.apiVersion !== 'string' || !o.apiVersion.includes('istio.io') || typeof o.kind !== 'string') continue;
      if (!(await kube.serves(o.apiVersion, o.kind))) continue;
      const id = `${o.kind}/${o.metadata?.name}`;
      const meshctlRefuses = findings.some((f) => f.kind === o.kind && f.name === (o.metadata?.name ?? '') && f.severity === 'error');
      const path = await kube.pathFor(o.apiVersion, o.kind, o.metadata?.namespace ?? 'default', String(o.metadata?.name ?? 'x'));
      const res = await kube.request('PATCH', `${path}?dryRun=All&fieldValidation=Strict&fieldManager=meshctl-test&force=true`, { body: o, contentType: 'application/apply-patch+yaml' });
      const istiodRefuses = res.status >= 400;
      compared++;
      if (istiodRefuses) rejectedByIstiod++;
      if (/admission webhook "[^"]*validation\.istio\.io" denied the request/.test(String(res.body?.message))) byWebhook++;
      if (istiodRefuses === meshctlRefuses) {
        if (declared.has(id)) problems.push(`${name} ${id}: documented as a difference, but both ${istiodRefuses ? 'refuse' : 'accept'} it`);
        continue;
      }
      const what = `${name} ${id}: apiserver+istiod ${istiodRefuses ? `refuses (${res.status} ${String(res.body?.message ?? '').slice(0, 200)})` : 'accepts'}, meshctl ${meshctlRefuses ? 'refuses' : 'accepts'}`;
      if (declared.has(id)) documented.push(what);
      else problems.push(what);
    }
  }
  process.stderr.write(`[istiod agreement] ${compared} objects compared, ${rejectedByIstiod} refused by the apiserver (${byWebhook} of them by istiod's webhook, the rest by the CRD schemas), ${documented.length} documented differences\n`);
  assert.deepEqual(problems, []);
  assert.ok(compared >= 40, `compared ${compared}`);
  assert.ok(byWebhook >= 3, `istiod's webhook refused ${byWebhook}: it is on`);
});
