import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitGatewayApi, splitIstio } from '../../src/generate/split.js';
import { routeByMatch } from '../../src/generate/route.js';
import { circuitBreak, fault, mirror, retry, timeout } from '../../src/generate/resilience.js';
import { allowPolicy, denyAll, peerAuthentication } from '../../src/generate/security.js';
import { expose } from '../../src/generate/expose.js';
import type { K8sObject } from '../../src/manifests/object.js';

const NS = 'bookinfo';
const vsMeta = { name: 'reviews', namespace: NS };
const weights = [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }];

test('split (Istio): VirtualService with weighted subsets and a DestinationRule with the subsets', () => {
  const out = splitIstio([], { service: 'reviews', namespace: NS, weights, labelKey: 'version', appLabel: 'app' });
  assert.deepEqual(out, [
    {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: vsMeta,
      spec: {
        hosts: ['reviews'],
        http: [{ route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
        ] }],
      },
    },
    {
      // the annotation lists the subsets meshctl added: those it may remove once nothing routes to them
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { ...vsMeta, annotations: { 'meshctl.io/added-subsets': 'v1,v2' } },
      spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    },
  ]);
});

test('split (Istio): --label-key and --port reach the subsets and destinations', () => {
  const [vs, dr] = splitIstio([], { service: 'reviews', namespace: NS, weights: [{ version: 'blue', weight: 100 }], labelKey: 'track', appLabel: 'app', port: 9080 });
  assert.deepEqual(vs.spec.http[0].route, [{ destination: { host: 'reviews', subset: 'blue', port: { number: 9080 } }, weight: 100 }]);
  assert.deepEqual(dr.spec.subsets, [{ name: 'blue', labels: { track: 'blue' } }]);
});

test('split (Gateway API): HTTPRoute attached to the Service, weighted backends, one Service per version', () => {
  const out = splitGatewayApi([], { service: 'reviews', namespace: NS, weights, labelKey: 'version', appLabel: 'app', port: 9080 });
  assert.deepEqual(out, [
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: vsMeta,
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
        rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }] }],
      },
    },
    ...['v1', 'v2'].map((v) => ({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: `reviews-${v}`, namespace: NS, labels: { app: 'reviews', version: v } },
      spec: { selector: { app: 'reviews', version: v }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] },
    })),
  ]);
});

test('split (Gateway API) keeps the match rules of an existing HTTPRoute', () => {
  const existing = splitGatewayApi([], { service: 'reviews', namespace: NS, weights, labelKey: 'version', appLabel: 'app', port: 9080 });
  existing[0].spec.rules.unshift({ matches: [{ path: { type: 'PathPrefix', value: '/beta' } }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] });
  const out = splitGatewayApi(existing, { service: 'reviews', namespace: NS, weights: [{ version: 'v2', weight: 100 }], labelKey: 'version', appLabel: 'app', port: 9080 });
  const route = out.find((o) => o.kind === 'HTTPRoute')!;
  assert.equal(route.spec.rules.length, 2);
  assert.deepEqual(route.spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/beta' } }]);
  assert.deepEqual(route.spec.rules[1].backendRefs, [{ name: 'reviews-v2', port: 9080, weight: 100 }]);
  assert.equal(out.filter((o) => o.kind === 'HTTPRoute').length, 1, 'the route is edited, not duplicated');
});

test('route: a matching route before the default one, both subsets defined', () => {
  const out = routeByMatch([], { service: 'reviews', namespace: NS, match: { headers: { 'end-user': { exact: 'jason' } } }, to: 'v2', defaultVersion: 'v1', labelKey: 'version' });
  assert.deepEqual(out[0].spec, {
    hosts: ['reviews'],
    http: [
      { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    ],
  });
  assert.deepEqual(out[1].spec, { host: 'reviews', subsets: [{ name: 'v2', labels: { version: 'v2' } }, { name: 'v1', labels: { version: 'v1' } }] });
});

test('route twice with the same match updates that route instead of adding another', () => {
  const m = { headers: { 'end-user': { exact: 'jason' } } };
  const once = routeByMatch([], { service: 'reviews', namespace: NS, match: m, to: 'v2', defaultVersion: 'v1', labelKey: 'version' });
  const twice = routeByMatch(once, { service: 'reviews', namespace: NS, match: m, to: 'v3', labelKey: 'version' });
  assert.equal(twice[0].spec.http.length, 2);
  assert.deepEqual(twice[0].spec.http[0].route, [{ destination: { host: 'reviews', subset: 'v3' } }]);
  assert.deepEqual(twice[1].spec.subsets.map((s: any) => s.name), ['v1', 'v3'], 'v2, which meshctl added and nothing routes to now, goes');
});

test('subsets meshctl added and nothing routes to any more are removed; the user\'s own subsets stay, routed or not', () => {
  const users = [{
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: NS },
    spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'canary', labels: { track: 'canary' } }] },
  }];
  const v9 = routeByMatch(users, { service: 'reviews', namespace: NS, match: { headers: { 'end-user': { exact: 'jason' } } }, to: 'v9', defaultVersion: 'v1', labelKey: 'version' });
  const dr = (o: any[]) => o.find((x) => x.kind === 'DestinationRule');
  assert.deepEqual(dr(v9).spec.subsets.map((x: any) => x.name), ['v1', 'canary', 'v9']);
  assert.equal(dr(v9).metadata.annotations['meshctl.io/added-subsets'], 'v9', 'only what meshctl added is listed');
  const back = splitIstio(v9, { service: 'reviews', namespace: NS, weights: [{ version: 'v1', weight: 100 }], labelKey: 'version', appLabel: 'app' });
  // split replaces the routing of the catch-all route; the jason route still goes to v9, so v9 stays
  assert.deepEqual(dr(back).spec.subsets.map((x: any) => x.name), ['v1', 'canary', 'v9']);
  const vs = back.find((x) => x.kind === 'VirtualService')!;
  const unrouted = [{ ...vs, spec: { ...vs.spec, http: vs.spec.http.filter((r: any) => !r.match) } }, dr(back)];
  const pruned = splitIstio(unrouted, { service: 'reviews', namespace: NS, weights: [{ version: 'v1', weight: 100 }], labelKey: 'version', appLabel: 'app' });
  assert.deepEqual(dr(pruned).spec.subsets.map((x: any) => x.name), ['v1', 'canary'], 'v9 goes; canary (the user\'s, unrouted) stays');
  assert.equal(dr(pruned).metadata.annotations, undefined, 'nothing of meshctl\'s left to list');
});

test('retry and timeout set every HTTP route', () => {
  const routed = routeByMatch([], { service: 'reviews', namespace: NS, match: { uri: { prefix: '/a' } }, to: 'v2', defaultVersion: 'v1', labelKey: 'version' });
  const out = timeout(retry(routed, { service: 'reviews', namespace: NS, attempts: 3, perTryTimeout: '2s', retryOn: ['5xx', 'reset'] }), { service: 'reviews', namespace: NS, timeout: '5s' });
  for (const r of out[0].spec.http) {
    assert.deepEqual(r.retries, { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' });
    assert.equal(r.timeout, '5s');
  }
  const fresh = retry([], { service: 'ratings', namespace: NS, attempts: 2 });
  assert.deepEqual(fresh, [{
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'ratings', namespace: NS },
    spec: { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }], retries: { attempts: 2 } }] },
  }]);
});

test('fault: on every route without --match; with --match a route of its own going where the default goes', () => {
  const all = fault([], { service: 'ratings', namespace: NS, abort: 500, percent: 10 });
  assert.deepEqual(all[0].spec.http, [{ route: [{ destination: { host: 'ratings' } }], fault: { abort: { httpStatus: 500, percentage: { value: 10 } } } }]);
  const split = splitIstio([], { service: 'ratings', namespace: NS, weights: [{ version: 'v1', weight: 100 }], labelKey: 'version', appLabel: 'app' });
  const matched = fault(split, { service: 'ratings', namespace: NS, delay: '7s', percent: 100, match: { headers: { 'end-user': { exact: 'jason' } } } });
  assert.deepEqual(matched[0].spec.http, [
    {
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } },
      route: [{ destination: { host: 'ratings', subset: 'v1' }, weight: 100 }],
    },
    { route: [{ destination: { host: 'ratings', subset: 'v1' }, weight: 100 }] },
  ]);
  assert.equal(matched.length, 2, 'the DestinationRule from split is kept');
});

test('fault composes with the fault there: an abort keeps the delay, a delay replaces a delay; --clear removes them', () => {
  const delayed = fault([], { service: 'ratings', namespace: NS, delay: '7s', percent: 100 });
  const both = fault(delayed, { service: 'ratings', namespace: NS, abort: 500, percent: 10 });
  assert.deepEqual(both[0].spec.http[0].fault, { delay: { fixedDelay: '7s', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 10 } } });
  const slower = fault(both, { service: 'ratings', namespace: NS, delay: '9s', percent: 50 });
  assert.deepEqual(slower[0].spec.http[0].fault, { delay: { fixedDelay: '9s', percentage: { value: 50 } }, abort: { httpStatus: 500, percentage: { value: 10 } } });
  const cleared = fault(slower, { service: 'ratings', namespace: NS, percent: 100, clear: true });
  assert.deepEqual(cleared[0].spec.http, [{ route: [{ destination: { host: 'ratings' } }] }]);
  const jason = { headers: { 'end-user': { exact: 'jason' } } };
  const matched = fault(delayed, { service: 'ratings', namespace: NS, abort: 503, percent: 100, match: jason });
  const matchedCleared = fault(matched, { service: 'ratings', namespace: NS, percent: 100, match: jason, clear: true });
  assert.equal(matchedCleared[0].spec.http[0].fault, undefined, 'the matched route\'s fault goes');
  assert.deepEqual(matchedCleared[0].spec.http[1].fault, { delay: { fixedDelay: '7s', percentage: { value: 100 } } }, 'the others\' stay');
});

test('mirror: the default route mirrors to the version, which gets a subset', () => {
  const out = mirror([], { service: 'reviews', namespace: NS, to: 'v2', percent: 20, labelKey: 'version' });
  assert.deepEqual(out[0].spec.http, [{ route: [{ destination: { host: 'reviews' } }], mirror: { host: 'reviews', subset: 'v2' }, mirrorPercentage: { value: 20 } }]);
  assert.deepEqual(out[1].spec, { host: 'reviews', subsets: [{ name: 'v2', labels: { version: 'v2' } }] });
});

test('circuit-break: connection pool and outlier detection, merged into an existing DestinationRule', () => {
  const out = circuitBreak([], {
    service: 'reviews', namespace: NS, maxConnections: 1, maxPendingRequests: 1, maxRequestsPerConnection: 1,
    consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100,
  });
  assert.deepEqual(out, [{
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: vsMeta,
    spec: {
      host: 'reviews',
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
        outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
      },
    },
  }]);
  const withTls: K8sObject[] = [{ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: vsMeta, spec: { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } }];
  const merged = circuitBreak(withTls, { service: 'reviews', namespace: NS, maxConnections: 10 });
  assert.deepEqual(merged[0].spec.trafficPolicy, { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { maxConnections: 10 } } });
});

test('mtls: PeerAuthentication per namespace, workload and mesh', () => {
  assert.deepEqual(peerAuthentication({ mode: 'strict', namespace: 'istio-system', name: 'default' }), {
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } },
  });
  assert.deepEqual(peerAuthentication({ mode: 'permissive', namespace: NS, name: 'ratings', selector: { app: 'ratings' } }).spec, {
    selector: { matchLabels: { app: 'ratings' } }, mtls: { mode: 'PERMISSIVE' },
  });
  assert.deepEqual(peerAuthentication({ mode: 'disable', namespace: NS, name: 'default' }).spec, { mtls: { mode: 'DISABLE' } });
});

test('authz: deny-all is an empty policy; allow has principals, namespaces and operations', () => {
  assert.deepEqual(denyAll(NS), { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-all', namespace: NS }, spec: {} });
  const p = allowPolicy({
    namespace: NS, name: 'allow-reviews', to: { app: 'reviews' }, fromServiceAccounts: ['bookinfo/bookinfo-productpage'], fromNamespaces: ['istio-system'],
    methods: ['GET'], paths: ['/reviews/*'], ports: [9080], trustDomain: 'cluster.local',
  });
  assert.deepEqual(p.spec, {
    selector: { matchLabels: { app: 'reviews' } },
    action: 'ALLOW',
    rules: [{
      from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/bookinfo-productpage'], namespaces: ['istio-system'] } }],
      to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'], ports: ['9080'] } }],
    }],
  });
});

test('expose: Gateway on the ingress gateway and a VirtualService bound to it', () => {
  const out = expose({
    service: 'productpage', namespace: NS, port: 9080, hosts: ['*'], pathPrefixes: ['/static'], exactPaths: ['/productpage'],
    gatewayPort: 80, gatewaySelector: { istio: 'ingressgateway' }, gatewayName: 'productpage-gateway', createGateway: true,
  });
  assert.deepEqual(out, [
    {
      apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'productpage-gateway', namespace: NS },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['*'] }] },
    },
    {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'productpage-ingress', namespace: NS },
      spec: {
        hosts: ['*'], gateways: ['productpage-gateway'],
        http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }], match: [{ uri: { exact: '/productpage' } }, { uri: { prefix: '/static' } }] }],
      },
    },
  ]);
  const bound = expose({
    service: 'productpage', namespace: NS, port: 9080, hosts: ['*'], pathPrefixes: [], exactPaths: [],
    gatewayPort: 80, gatewaySelector: {}, gatewayName: 'shared', createGateway: false,
  });
  assert.deepEqual(bound.map((o) => o.kind), ['VirtualService']);
  assert.equal(bound[0].spec.http[0].match, undefined, 'no paths: every path');
});

test('expose over the namespace: attaches to the ingress Gateway serving the host, keeps the routes it did not write, refuses a conflicting Gateway', async () => {
  const { exposeInto } = await import('../../src/generate/expose.js');
  const NSB = 'bookinfo';
  const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'bookinfo-gateway', namespace: NSB },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };
  const ingress = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'productpage-ingress', namespace: NSB },
    spec: { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ match: [{ uri: { exact: '/login' } }, { uri: { exact: '/logout' } }], route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] } };
  const opts = {
    service: 'productpage', namespace: NSB, port: 9080, hosts: ['*'], pathPrefixes: ['/static', '/api/v1/products'], exactPaths: ['/productpage'],
    gatewayPort: 80, gatewaySelector: { istio: 'ingressgateway' }, gatewayName: 'productpage-gateway', createGateway: true,
  };
  const out = exposeInto([gateway, ingress], opts);
  assert.deepEqual(out.map((o) => `${o.kind}/${o.metadata.name}`), ['VirtualService/productpage-ingress'], 'no second Gateway');
  assert.deepEqual(out[0].spec.gateways, ['bookinfo-gateway']);
  assert.equal(out[0].spec.http.length, 2, '/login and /logout stay, the new paths are added');
  assert.deepEqual(out[0].spec.http[0].match, [{ uri: { exact: '/login' } }, { uri: { exact: '/logout' } }]);
  // nothing there: a Gateway of its own, as before
  assert.deepEqual(exposeInto([], opts).map((o) => `${o.kind}/${o.metadata.name}`), ['Gateway/productpage-gateway', 'VirtualService/productpage-ingress']);
  // a Gateway on the port for other hosts only: no conflict, a Gateway of its own
  const other = { ...gateway, spec: { ...gateway.spec, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] } };
  assert.equal(exposeInto([other], { ...opts, hosts: ['books.example.com'] })[0].kind, 'Gateway');
  // one that serves some of the hosts asked for but not all: the user settles it
  assert.throws(() => exposeInto([other], { ...opts, hosts: ['shop.example.com', 'books.example.com'] }),
    /^UsageError: Gateway bookinfo\/bookinfo-gateway already serves port 80 of the ingress gateway for shop\.example\.com: a second Gateway there would conflict; pass --gateway bookinfo-gateway/);
});
