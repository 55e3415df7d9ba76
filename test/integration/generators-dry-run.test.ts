import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCrds, gatewayApiCrds, istioCrds } from '../harness/crds.js';
import { createTestNamespace, testCluster } from '../harness/namespace.js';
import { runCli } from '../helpers/cli.js';

const cluster = testCluster();

/** Where the apiserver serves each kind the generators print. */
const RESOURCES: Record<string, string> = {
  VirtualService: 'virtualservices', DestinationRule: 'destinationrules', Gateway: 'gateways',
  PeerAuthentication: 'peerauthentications', AuthorizationPolicy: 'authorizationpolicies', HTTPRoute: 'httproutes', Service: 'services',
};

function collectionPath(obj: any): string {
  const prefix = obj.apiVersion === 'v1' ? '/api/v1' : `/apis/${obj.apiVersion}`;
  return `${prefix}/namespaces/${obj.metadata.namespace}/${RESOURCES[obj.kind]}`;
}

test('every generator\'s output passes server-side dry-run with strict field validation against the real CRDs', async () => {
  await applyCrds(cluster, [...istioCrds(), ...gatewayApiCrds()]);
  const ns = await createTestNamespace(cluster, 'gen');
  const root = await createTestNamespace(cluster, 'gen-root');
  const runs: string[][] = [
    ['split', 'reviews', 'v1=90', 'v2=10'],
    ['split', 'reviews', 'v1=50', 'v2=50', '--api', 'gateway', '--port', '9080'],
    ['route', 'reviews', '--match', 'header:end-user=jason', '--match', 'uri~=/api/v[0-9]+', '--to', 'v2', '--default', 'v1', '--port', '9080'],
    ['retry', 'reviews', '--attempts', '3', '--per-try-timeout', '2s', '--retry-on', '5xx,reset,connect-failure'],
    ['timeout', 'reviews', '500ms'],
    ['fault', 'ratings', '--delay', '7s', '--abort', '500', '--percent', '10', '--match', 'header:end-user=jason'],
    ['mirror', 'reviews', '--to', 'v2', '--percent', '20'],
    ['circuit-break', 'reviews', '--max-requests-per-connection', '1'],
    ['mtls', 'strict', '--mesh-wide', '--root-namespace', root],
    ['mtls', 'permissive', '--selector', 'app=ratings'],
    ['authz', 'deny-all'],
    ['authz', 'allow', '--to', 'app=productpage', '--from-sa', `${ns}/gateway`, '--from-namespace', root, '--methods', 'GET,POST', '--paths', '/api/*', '--ports', '9080'],
    ['expose', 'productpage', '--port', '9080', '--exact-path', '/productpage', '--path', '/static', '--host', 'bookinfo.example.com'],
  ];
  let checked = 0;
  for (const args of runs) {
    const withNs = args[0] === 'mtls' && args.includes('--mesh-wide') ? args : [...args, '-n', ns];
    const r = await runCli([...withNs, '-o', 'json']);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const parsed = JSON.parse(r.stdout);
    const objects = parsed.kind === 'List' ? parsed.items : [parsed];
    for (const obj of objects) {
      const res = await cluster.request('POST', `${collectionPath(obj)}?dryRun=All&fieldValidation=Strict`, obj, { 'content-type': 'application/json' });
      assert.equal(res.status, 201, `${args.join(' ')} → ${obj.kind}: HTTP ${res.status} ${JSON.stringify(res.body.message ?? res.body)}`);
      assert.equal(res.headers.warning, undefined, `${args.join(' ')} → ${obj.kind}: no warnings (${res.headers.warning})`);
      checked++;
    }
  }
  assert.equal(checked, 19, 'every object of every run was checked');
});
