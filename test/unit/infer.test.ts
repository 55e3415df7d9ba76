/** Which service a generator means when none is named: from the --from resources, else from the namespace's workloads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servicesRouted, servicesWithVersions, theOne } from '../../src/generate/infer.js';
import { UsageError } from '../../src/ui/errors.js';
import { meshctl } from '../helpers/cli.js';

const svc = (name: string, selector?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bookinfo' }, spec: selector ? { selector } : {} });
const pod = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bookinfo', labels } });

test('from the namespace: the one Service whose pods carry every named version (bookinfo: reviews for v1 and v2)', () => {
  const services = [svc('details', { app: 'details' }), svc('reviews', { app: 'reviews' }), svc('ratings', { app: 'ratings' }), svc('headless')];
  const pods = [
    pod('details-v1', { app: 'details', version: 'v1' }), pod('ratings-v1', { app: 'ratings', version: 'v1' }),
    pod('reviews-v1', { app: 'reviews', version: 'v1' }), pod('reviews-v2', { app: 'reviews', version: 'v2' }), pod('reviews-v3', { app: 'reviews', version: 'v3' }),
  ];
  assert.deepEqual(servicesWithVersions(services, pods, ['v1', 'v2'], 'version'), ['reviews']);
  assert.deepEqual(servicesWithVersions(services, pods, ['v1'], 'version'), ['details', 'ratings', 'reviews'], 'several: all named');
  assert.deepEqual(servicesWithVersions(services, pods, ['v9'], 'version'), []);
  assert.deepEqual(servicesWithVersions(services, pods, ['v1', 'v2'], 'track'), [], 'another label key');
});

test('from resources: VirtualService hosts, DestinationRule host, HTTPRoute Service parents; other namespaces and wildcards are not this namespace\'s', () => {
  const objects = [
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a', namespace: 'bookinfo' }, spec: { hosts: ['reviews.bookinfo.svc.cluster.local', '*.example.com', 'ratings.other'] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'b', namespace: 'bookinfo' }, spec: { host: 'reviews' } },
  ];
  assert.deepEqual(servicesRouted(objects, 'bookinfo'), ['reviews']);
  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ kind: 'Service', name: 'ratings' }, { name: 'gw' }] } };
  assert.deepEqual(servicesRouted([...objects, route], 'bookinfo'), ['ratings', 'reviews']);
});

test('one candidate or a usage error naming them, or saying there is none', () => {
  assert.equal(theOne(['reviews'], 'x', 'ex'), 'reviews');
  assert.throws(() => theOne(['a', 'b'], 'namespace n', 'meshctl split SERVICE v1=90 v2=10'), (e: unknown) =>
    e instanceof UsageError && e.message === '2 services could be meant (a, b) in namespace n: name one (meshctl split SERVICE v1=90 v2=10)');
  assert.throws(() => theOne([], 'namespace n', 'ex'), /^UsageError: no service to infer from namespace n: name it \(ex\)$/);
});

test('the card\'s form offline: split v1=90 v2=10 --from FILE splits the one service the file routes; two services or no cluster: exit 64', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-infer-'));
  const file = join(dir, 'reviews.yaml');
  writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: bookinfo}\n' +
    'spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}\n');
  const r = await meshctl(['split', 'v1=90', 'v2=10', '--from', file, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const vs = JSON.parse(r.stdout).items.find((o: any) => o.kind === 'VirtualService');
  assert.deepEqual(vs.spec.http[0].route.map((d: any) => `${d.destination.host}/${d.destination.subset}=${d.weight}`), ['reviews/v1=90', 'reviews/v2=10']);
  const two = join(dir, 'two.yaml');
  writeFileSync(two, 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: ratings}\n---\n' +
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: b}\nspec: {host: reviews}\n');
  const amb = await meshctl(['split', 'v1=90', 'v2=10', '--from', two]);
  assert.equal(amb.code, 64);
  assert.equal(amb.stderr, `Error: 2 services could be meant (ratings, reviews) in --from ${two}: name one (meshctl split SERVICE v1=90 v2=10)\n`);
  const none = await meshctl(['split', 'v1=90', 'v2=10'], { env: { KUBECONFIG: join(dir, 'no-such-config'), HOME: dir } });
  assert.equal(none.code, 64);
  assert.equal(none.stderr, 'Error: name the service (meshctl split SERVICE v1=90 v2=10): there is no --from and no cluster to infer it from\n');
  const named = await meshctl(['split', 'reviews', 'v1=90', 'v2=10', '-o', 'json'], { env: { KUBECONFIG: join(dir, 'no-such-config'), HOME: dir } });
  assert.equal(named.code, 0, 'a named service needs no cluster');
});

test('the other generators infer the service from --from too: timeout DURATION, retry, fault, circuit-break, mirror, route; two services: exit 64 naming them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-infer-'));
  const file = join(dir, 'reviews.yaml');
  writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: bookinfo}\n' +
    'spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v1}}]}]}\n');
  // one object is printed as itself, several as a List
  const objects = (stdout: string): any[] => { const j = JSON.parse(stdout); return j.kind === 'List' ? j.items : [j]; };
  const vsOf = (stdout: string) => objects(stdout).find((o: any) => o.kind === 'VirtualService' && o.metadata.name === 'reviews');
  const timeout = await meshctl(['timeout', '2s', '--from', file, '-o', 'json']);
  assert.equal(timeout.code, 0, timeout.stderr);
  assert.equal(vsOf(timeout.stdout).spec.http[0].timeout, '2s');
  const retry = await meshctl(['retry', '--attempts', '2', '--from', file, '-o', 'json']);
  assert.equal(retry.code, 0, retry.stderr);
  assert.equal(vsOf(retry.stdout).spec.http[0].retries.attempts, 2);
  const fault = await meshctl(['fault', '--abort', '500', '--percent', '10', '--from', file, '-o', 'json']);
  assert.equal(fault.code, 0, fault.stderr);
  assert.equal(vsOf(fault.stdout).spec.http[0].fault.abort.httpStatus, 500);
  const mirror = await meshctl(['mirror', '--to', 'v2', '--from', file, '-o', 'json']);
  assert.equal(mirror.code, 0, mirror.stderr);
  assert.equal(vsOf(mirror.stdout).spec.http[0].mirror.subset, 'v2');
  const route = await meshctl(['route', '--match', 'header:end-user=jason', '--to', 'v2', '--from', file, '-o', 'json']);
  assert.equal(route.code, 0, route.stderr);
  assert.equal(vsOf(route.stdout).spec.http[0].route[0].destination.subset, 'v2');
  const cb = await meshctl(['circuit-break', '--max-connections', '1', '--from', file, '-o', 'json']);
  assert.equal(cb.code, 0, cb.stderr);
  const dr = objects(cb.stdout).find((o: any) => o.kind === 'DestinationRule');
  assert.deepEqual([dr.spec.host, dr.spec.trafficPolicy.connectionPool.tcp.maxConnections], ['reviews', 1]);

  const two = join(dir, 'two.yaml');
  writeFileSync(two, 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec: {host: ratings}\n---\n' +
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: b}\nspec: {host: reviews}\n');
  const amb = await meshctl(['timeout', '2s', '--from', two]);
  assert.equal(amb.code, 64);
  assert.equal(amb.stderr, `Error: 2 services could be meant (ratings, reviews) in --from ${two}: name one (meshctl timeout SERVICE 2s)\n`);
  const noDuration = await meshctl(['timeout', '--from', file]);
  assert.equal(noDuration.code, 64);
  assert.match(noDuration.stderr, /^Error: timeout needs a duration/);
  const offline = await meshctl(['retry'], { env: { KUBECONFIG: join(dir, 'no-such-config'), HOME: dir } });
  assert.equal(offline.code, 64);
  assert.equal(offline.stderr, 'Error: name the service (meshctl retry SERVICE): there is no --from and no cluster to infer it from\n');
});

test('route --clear: removes the route from --from input; a route that is not there, --to with it, or no input is exit 64', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-clear-'));
  const file = join(dir, 'reviews.yaml');
  const routed = await meshctl(['route', 'reviews', '-n', 'bookinfo', '--match', 'header:end-user=jason', '--to', 'v2', '--default', 'v1']);
  assert.equal(routed.code, 0, routed.stderr);
  writeFileSync(file, routed.stdout);
  const cleared = await meshctl(['route', '--match', 'header:end-user=jason', '--clear', '--from', file, '-o', 'json']);
  assert.equal(cleared.code, 0, cleared.stderr);
  const items = JSON.parse(cleared.stdout).items;
  assert.deepEqual(items.find((o: any) => o.kind === 'VirtualService').spec.http.map((h: any) => h.route[0].destination.subset), ['v1']);
  assert.deepEqual(items.find((o: any) => o.kind === 'DestinationRule').spec.subsets.map((s: any) => s.name), ['v1']);
  const absent = await meshctl(['route', 'reviews', '--match', 'header:end-user=bob', '--clear', '--from', file]);
  assert.equal(absent.code, 64);
  assert.equal(absent.stderr, 'Error: reviews in bookinfo has no route for --match header:end-user=bob: nothing to clear\n');
  const both = await meshctl(['route', 'reviews', '--match', 'header:end-user=jason', '--clear', '--to', 'v2', '--from', file]);
  assert.equal(both.code, 64);
  assert.equal(both.stderr, 'Error: --clear removes a route: give it without --to\n');
  const noInput = await meshctl(['route', 'reviews', '--match', 'header:end-user=jason', '--clear']);
  assert.equal(noInput.code, 64);
  assert.match(noInput.stderr, /^Error: --clear needs the routes to remove a route from/);
  const noTo = await meshctl(['route', 'reviews', '--match', 'header:end-user=jason']);
  assert.equal(noTo.code, 64);
  assert.equal(noTo.stderr, 'Error: route needs --to VERSION (or --clear to remove the route)\n');
});
