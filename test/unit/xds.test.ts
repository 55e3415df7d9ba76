import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToJson, messageType } from '../../src/mesh/xds/types.js';
import { ghostNode } from '../../src/mesh/xds/ghost.js';
import { parsePodRef } from '../../src/mesh/xds/ghost-config.js';
import { edsClusterNames, rdsRouteNames, TYPE } from '../../src/mesh/xds/client.js';
import { clusterKey, clusterRows, describeChainMatch, describeDomains, describeMatch, managedBy, routeRows } from '../../src/mesh/xds/tables.js';
import { explainOutbound, pickFilterChain, pickVirtualHost, routeMatches, upstreamTls, type ExplainRequest } from '../../src/mesh/xds/explain.js';
import { authorize, inboundMode, policyOf } from '../../src/mesh/xds/inbound.js';
import { serviceOfHost } from '../../src/mesh/xds/resolve.js';
import { parseHeaders, parseTarget, peerAuthenticationFor } from '../../src/mesh/xds/request.js';
import { UsageError } from '../../src/ui/errors.js';
import { checkExpectations, parseRoutingTests, predictedStatus } from '../../src/mesh/xds/routing-test.js';
import { junitXml } from '../../src/ui/junit.js';
import { fingerprint, parseWait } from '../../src/mesh/xds/pushed.js';
import type { XdsSnapshot } from '../../src/mesh/xds/client.js';

/** Encodes `object` (protobufjs's snake_case form) as `type` and decodes it back to protojson. */
function roundTrip(type: string, object: Record<string, unknown>, unknown = new Set<string>()) {
  const t = messageType(type)!;
  return decodeToJson(t, t.encode(t.fromObject(object)).finish(), unknown);
}

const any = (type: string, object: Record<string, unknown>) => {
  const t = messageType(type)!;
  return { type_url: `type.googleapis.com/${type}`, value: t.encode(t.fromObject(object)).finish() };
};

test('protojson: durations, enums, wrappers, 64-bit integers, structs and maps as Envoy\'s config dump writes them', () => {
  const json = roundTrip('envoy.config.cluster.v3.Cluster', {
    name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', type: 3, lb_policy: 1,
    connect_timeout: { seconds: 10 }, dns_refresh_rate: { nanos: 100_000_000 },
    circuit_breakers: { thresholds: [{ max_connections: { value: 4294967295 } }] },
    metadata: { filter_metadata: { istio: { fields: { config: { string_value: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews' }, n: { number_value: 2 }, ok: { bool_value: true } } } } },
    upstream_connection_options: { tcp_keepalive: { keepalive_probes: { value: 3 } } },
  });
  assert.equal(json.name, 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local');
  assert.equal(json.type, 'EDS');
  assert.equal(json.lbPolicy, 'LEAST_REQUEST');
  assert.equal(json.connectTimeout, '10s');
  assert.equal(json.dnsRefreshRate, '0.100s');
  assert.deepEqual(json.circuitBreakers, { thresholds: [{ maxConnections: 4294967295 }] });
  assert.deepEqual(json.metadata, { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews', n: 2, ok: true } } });
  assert.deepEqual(json.upstreamConnectionOptions, { tcpKeepalive: { keepaliveProbes: 3 } });
  const route = roundTrip('envoy.config.route.v3.RetryPolicy', { num_retries: { value: 2 }, host_selection_retry_max_attempts: 5 });
  assert.deepEqual(route, { numRetries: 2, hostSelectionRetryMaxAttempts: '5' }, 'int64 as a string');
});

test('protojson: an Any is its @type and fields; a type meshctl does not know is kept as bytes and reported', () => {
  const unknown = new Set<string>();
  const json = roundTrip('envoy.config.listener.v3.Filter', {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', { stat_prefix: 'x', rds: { route_config_name: '9080' } }),
  }, unknown);
  assert.deepEqual(json.typedConfig, { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', statPrefix: 'x', rds: { routeConfigName: '9080' } });
  assert.equal(unknown.size, 0);
  const odd = roundTrip('envoy.config.listener.v3.Filter', { name: 'x', typed_config: { type_url: 'type.googleapis.com/example.NotKnown', value: Buffer.from([8, 1]) } }, unknown);
  assert.deepEqual(odd.typedConfig, { '@type': 'type.googleapis.com/example.NotKnown', value: 'CAE=' });
  assert.deepEqual([...unknown], ['type.googleapis.com/example.NotKnown']);
});

const pod = (over: Record<string, any> = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'productpage-v1-abc', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' } },
  spec: { serviceAccountName: 'bookinfo-productpage', containers: [{ name: 'productpage' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.31.0', env: [{ name: 'ISTIO_META_WORKLOAD_NAME', value: 'productpage-v1' }, { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] },
  status: { podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }] },
  ...over,
});

test('ghost node: the id and metadata a pod\'s sidecar sends, from the pod and its sidecar\'s ISTIO_META_ environment', () => {
  const node = ghostNode(pod() as any, '1.31-dev');
  assert.equal(node.id, 'sidecar~10.244.0.9~productpage-v1-abc.bookinfo~bookinfo.svc.cluster.local');
  assert.equal(node.metadata.WORKLOAD_NAME, 'productpage-v1');
  assert.equal(node.metadata.ISTIO_VERSION, '1.31.0', 'the sidecar image\'s version');
  assert.deepEqual(node.metadata.LABELS, { app: 'productpage', version: 'v1' });
  assert.equal(node.metadata.SERVICE_ACCOUNT, 'bookinfo-productpage');
  assert.equal(node.metadata.POD_NAME, undefined, 'only ISTIO_META_ variables with values');
  const bare = ghostNode(pod({ spec: { containers: [{ name: 'app' }] } }) as any, '1.31-dev');
  assert.equal(bare.metadata.ISTIO_VERSION, '1.31-dev', 'no sidecar: istiod\'s version');
  assert.throws(() => ghostNode(pod({ status: {} }) as any, '1'), /has no IP address yet/);
});

test('pod references, request targets and headers: as istioctl and curl read them; bad ones are usage errors', () => {
  assert.deepEqual(parsePodRef('productpage-v1-abc.bookinfo', 'default'), { name: 'productpage-v1-abc', namespace: 'bookinfo' });
  assert.deepEqual(parsePodRef('productpage-v1-abc', 'bookinfo'), { name: 'productpage-v1-abc', namespace: 'bookinfo' });
  assert.deepEqual(parsePodRef('bookinfo/bookinfo-productpage', 'default'), { name: '', namespace: 'bookinfo', serviceAccount: 'bookinfo-productpage' });
  assert.deepEqual(parseTarget('http://reviews:9080/x?y=1'), { scheme: 'http', host: 'reviews', port: 9080, path: '/x?y=1' });
  assert.deepEqual(parseTarget('reviews.bookinfo'), { scheme: 'http', host: 'reviews.bookinfo', port: 80, path: '/' });
  assert.equal(parseTarget('https://example.com').port, 443);
  assert.throws(() => parseTarget('ftp://x/'), UsageError);
  assert.throws(() => parseTarget('http://'), UsageError);
  assert.deepEqual(parseHeaders(['End-User: jason', 'x:1:2']), { 'end-user': 'jason', x: '1:2' });
  assert.throws(() => parseHeaders(['nocolon']), UsageError);
  assert.deepEqual(serviceOfHost('reviews', 'bookinfo'), { name: 'reviews', namespace: 'bookinfo' });
  assert.deepEqual(serviceOfHost('reviews.other.svc.cluster.local', 'bookinfo'), { name: 'reviews', namespace: 'other' });
  assert.equal(serviceOfHost('www.example.com', 'bookinfo'), undefined);
});

test('the names asked for next: EDS clusters\' service names, and the route configurations listeners load by RDS', () => {
  assert.deepEqual(edsClusterNames([{ name: 'a', type: 'EDS', edsClusterConfig: { serviceName: 'outbound|80||a' } }, { name: 'b', type: 'STRICT_DNS' }, { name: 'c', type: 'EDS' }]), ['c', 'outbound|80||a']);
  const hcm = (name: string) => ({ name: 'envoy.filters.network.http_connection_manager', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', rds: { routeConfigName: name } } });
  assert.deepEqual(rdsRouteNames([{ filterChains: [{ filters: [hcm('9080')] }, { filters: [hcm('80')] }] }, { filterChains: [{ filters: [hcm('9080')] }] }]), ['80', '9080']);
});

test('tables: istioctl\'s wording for cluster names, domains, matches, filter chain matches and the objects behind them', () => {
  assert.deepEqual(clusterKey('outbound|9080|v1|reviews.bookinfo.svc.cluster.local'), { direction: 'outbound', port: 9080, subset: 'v1', host: 'reviews.bookinfo.svc.cluster.local', subsetKey: true });
  assert.equal(clusterKey('PassthroughCluster').host, 'PassthroughCluster');
  assert.equal(describeDomains(['reviews.bookinfo.svc.cluster.local', 'reviews.bookinfo.svc.cluster.local.', 'reviews', 'reviews.bookinfo.svc', 'reviews.bookinfo', '10.96.1.2']), 'reviews.bookinfo.svc.cluster.local., reviews + 2 more...');
  assert.equal(describeDomains(['*']), '*');
  assert.equal(describeMatch({ prefix: '/' }), '/*');
  assert.equal(describeMatch({ path: '/x', headers: [{}] }), '/x');
  assert.equal(describeMatch({ safeRegex: { regex: '/a.*' } }), 'regex /a.*');
  assert.equal(describeChainMatch({ transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] }), 'Trans: raw_buffer; App: http/1.1,h2c');
  assert.equal(describeChainMatch({ transportProtocol: 'tls', applicationProtocols: ['istio-peer-exchange', 'istio'], destinationPort: 9080 }), 'Trans: tls; App: TCP TLS; Addr: *:9080');
  assert.equal(describeChainMatch({ prefixRanges: [{ addressPrefix: '10.96.0.1', prefixLen: 32 }] }), 'Addr: 10.96.0.1/32');
  assert.equal(describeChainMatch(undefined), 'ALL');
  assert.equal(managedBy({ filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/reviews' } } }), 'reviews.bookinfo');
  assert.equal(managedBy({ filterMetadata: { istio: { config: '/apis/gateway.networking.k8s.io/x' } } }), '<unknown>');
  assert.equal(managedBy(undefined), '');
  const clusters = clusterRows([{ name: 'outbound|9080|v2|reviews.b.svc.cluster.local', type: 'EDS' }, { name: 'BlackHoleCluster' }, { name: 'outbound|9080|v1|reviews.b.svc.cluster.local', type: 'EDS' }]);
  assert.deepEqual(clusters.map((r) => r.slice(0, 5)), [
    ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE'], ['BlackHoleCluster', '-', '-', '-', 'STATIC'],
    ['reviews.b.svc.cluster.local', '9080', 'v1', 'outbound', 'EDS'], ['reviews.b.svc.cluster.local', '9080', 'v2', 'outbound', 'EDS'],
  ]);
  const routes = routeRows([{ name: 'x', virtualHosts: [{ name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] }, { name: 'b', domains: ['b'] }] }, { name: '80', virtualHosts: [] }]);
  assert.deepEqual(routes.slice(1), [['x', 'b', 'b', '/*', '404']], 'passthrough routes are left out; a vhost without routes is a 404');
});

const req = (over: Partial<ExplainRequest> = {}): ExplainRequest => ({ method: 'GET', scheme: 'http', host: 'reviews', port: 9080, path: '/', headers: {}, destinationIp: '10.96.0.20', ...over });

test('virtual hosts and routes are matched as Envoy matches them', () => {
  const vhs = [{ name: 'any', domains: ['*'] }, { name: 'suffix', domains: ['*.example.com'] }, { name: 'exact', domains: ['reviews', 'reviews.bookinfo'] }, { name: 'prefix', domains: ['api.*'] }];
  assert.equal(pickVirtualHost(vhs, 'reviews')?.vh.name, 'exact');
  assert.equal(pickVirtualHost(vhs, 'www.example.com')?.vh.name, 'suffix');
  assert.equal(pickVirtualHost(vhs, 'api.internal')?.vh.name, 'prefix');
  assert.equal(pickVirtualHost(vhs, 'other')?.vh.name, 'any');
  assert.equal(pickVirtualHost([{ name: 'x', domains: ['a'] }], 'b'), undefined);
  const headers = { 'end-user': 'jason', ':method': 'GET' };
  assert.ok(routeMatches({ prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }] }, req(), headers));
  assert.ok(!routeMatches({ prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'bob' } }] }, req(), headers));
  assert.ok(routeMatches({ prefix: '/', headers: [{ name: 'x', presentMatch: true, invertMatch: true }] }, req(), headers), 'an inverted presence match: the header is absent');
  assert.ok(routeMatches({ safeRegex: { regex: '/api/v[0-9]+' } }, req({ path: '/api/v2?x=1' }), headers), 'a regex matches the whole path, not the query');
  assert.ok(!routeMatches({ safeRegex: { regex: '/api' } }, req({ path: '/api/v2' }), headers));
  assert.ok(routeMatches({ pathSeparatedPrefix: '/api' }, req({ path: '/api/x' }), headers));
  assert.ok(!routeMatches({ pathSeparatedPrefix: '/api' }, req({ path: '/apix' }), headers));
  assert.ok(routeMatches({ prefix: '/API', caseSensitive: false }, req({ path: '/api/x' }), headers));
  assert.ok(routeMatches({ prefix: '/', queryParameters: [{ name: 'v', stringMatch: { exact: '2' } }] }, req({ path: '/?v=2' }), headers));
  assert.ok(!routeMatches({ prefix: '/', queryParameters: [{ name: 'v', stringMatch: { exact: '2' } }] }, req({ path: '/' }), headers));
});

/** A client's configuration as istiod shapes it: a 9080 listener loading route config "9080" with a 90/10 split for reviews. */
function clientSnapshot(): XdsSnapshot {
  const hcm = { name: 'envoy.filters.network.http_connection_manager', typedConfig: { '@type': 'x.HttpConnectionManager', rds: { routeConfigName: '9080' } } };
  const cluster = (subset: string): any => ({
    name: `outbound|9080|${subset}|reviews.bookinfo.svc.cluster.local`, type: 'EDS', edsClusterConfig: { serviceName: `outbound|9080|${subset}|reviews.bookinfo.svc.cluster.local` },
    lbPolicy: 'LEAST_REQUEST', transportSocketMatches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' } }, { name: 'tlsMode-disabled', match: {} }],
    metadata: { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews' } } },
  });
  return {
    listeners: [{ name: '0.0.0.0_9080', address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } }, listenerFilters: [{ name: 'envoy.filters.listener.http_inspector' }], filterChains: [
      { filterChainMatch: { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] }, filters: [hcm] },
      { filters: [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: { cluster: 'PassthroughCluster' } }] },
    ] }],
    routes: [{ name: '9080', ignorePortInHostMatching: true, virtualHosts: [
      { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] },
      { name: 'reviews.bookinfo.svc.cluster.local:9080', domains: ['reviews.bookinfo.svc.cluster.local', 'reviews'], routes: [
        { match: { prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }] }, route: { cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', timeout: '2s' },
          typedPerFilterConfig: { 'envoy.filters.http.fault': { abort: { httpStatus: 503, percentage: { numerator: 50 } } } } },
        { match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', weight: 90 }, { name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', weight: 10 }] }, retryPolicy: { numRetries: 2, retryOn: '5xx' } },
          metadata: { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/reviews' } } } },
      ] },
    ] }],
    clusters: [cluster('v1'), cluster('v2'), { name: 'PassthroughCluster', type: 'ORIGINAL_DST' }],
    endpoints: [{ clusterName: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.244.0.6', portValue: 9080 } } }, metadata: { filterMetadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } }] }] }],
    versions: {}, unknownTypes: [],
  };
}

test('explain: the request is followed to the route and its weighted clusters, with their rules and endpoints', () => {
  const x = explainOutbound(clientSnapshot(), req());
  assert.equal(x.listener, '0.0.0.0_9080');
  assert.equal(x.virtualHost?.name, 'reviews.bookinfo.svc.cluster.local:9080', 'the port is ignored in host matching');
  assert.equal(x.route?.virtualService, 'reviews.bookinfo');
  assert.deepEqual(x.route?.retries, { attempts: 2, on: '5xx' });
  assert.deepEqual(x.clusters.map((c) => [c.subset, c.percent, c.destinationRule, c.endpoints.length]), [['v1', 90, 'reviews.bookinfo', 1], ['v2', 10, 'reviews.bookinfo', 0]]);
  assert.match(x.clusters[0].upstreamTls, /^ISTIO_MUTUAL to endpoints with a sidecar/);
  const jason = explainOutbound(clientSnapshot(), req({ headers: { 'end-user': 'jason' } }));
  assert.deepEqual(jason.clusters.map((c) => [c.subset, c.percent]), [['v2', 100]]);
  assert.deepEqual(jason.route?.fault, { abort: { status: 503, percent: 50 } });
  assert.equal(jason.route?.timeout, '2s');
  const other = explainOutbound(clientSnapshot(), req({ port: 7777 }));
  assert.match(other.problem ?? '', /no outbound listener for port 7777: the connection goes to PassthroughCluster/);
  assert.equal(upstreamTls({ transportSocket: { name: 'envoy.transport_sockets.tls', typedConfig: { commonTlsContext: {} } } }), 'TLS');
});

const inbound = (chains: any[]): XdsSnapshot => ({ listeners: [{ name: 'virtualInbound', address: { socketAddress: { address: '0.0.0.0', portValue: 15006 } }, filterChains: chains }], routes: [], clusters: [], endpoints: [], versions: {}, unknownTypes: [] });

test('filter chains: TLS and HTTP are told apart only by the listener\'s inspectors, as Envoy does', () => {
  const chains: any[] = [
    { name: 'http', filterChainMatch: { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] } },
    { name: 'tcp', filterChainMatch: { transportProtocol: 'raw_buffer' } },
    { name: 'mtls', filterChainMatch: { transportProtocol: 'tls', applicationProtocols: ['istio'] } },
  ];
  const inspectors = (...names: string[]): any[] => names.map((name) => ({ name }));
  const both = { filterChains: chains, listenerFilters: inspectors('envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector') };
  assert.equal(pickFilterChain(both, '10.0.0.1', 80, ['http/1.1'])?.name, 'http');
  assert.equal(pickFilterChain(both, '10.0.0.1', 80, ['istio'], 'tls')?.name, 'mtls');
  const none = { filterChains: chains };
  assert.equal(pickFilterChain(none, '10.0.0.1', 80, ['http/1.1'])?.name, 'tcp', 'no HTTP inspector: raw bytes');
  assert.equal(pickFilterChain(none, '10.0.0.1', 80, ['istio'], 'tls')?.name, 'tcp', 'no TLS inspector: TLS is raw bytes too');
  const disabled: any = { filterChains: chains, listenerFilters: [{ name: 'envoy.filters.listener.tls_inspector', filterDisabled: { destinationPortRange: { start: 80, end: 81 } } }] };
  assert.equal(pickFilterChain(disabled, '10.0.0.1', 80, ['istio'], 'tls')?.name, 'tcp', 'the inspector is off for port 80');
  assert.equal(pickFilterChain(disabled, '10.0.0.1', 8080, ['istio'], 'tls')?.name, 'mtls');
});

test('inbound: the mTLS mode is read off the transports the port\'s filter chains accept', () => {
  const chain = (transportProtocol: string, port = 9080) => ({ filterChainMatch: { destinationPort: port, transportProtocol } });
  assert.equal(inboundMode(inbound([chain('tls'), chain('raw_buffer')]), 9080), 'PERMISSIVE');
  assert.equal(inboundMode(inbound([chain('tls'), chain('raw_buffer', 8080)]), 9080), 'STRICT');
  assert.equal(inboundMode(inbound([chain('raw_buffer')]), 9080), 'DISABLE');
  assert.equal(inboundMode({ ...inbound([]), listeners: [] }, 9080), 'UNKNOWN');
});

test('authorization: DENY rules first, then ALLOW; an unevaluable matcher is UNKNOWN, never a guess', () => {
  const request = { port: 9080, mtls: true, principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage', method: 'GET', host: 'reviews:9080', path: '/', headers: {} };
  const rbac = (action: string | undefined, policies: Record<string, unknown>): any => ({ name: 'envoy.filters.http.rbac', typedConfig: { rules: { ...(action ? { action } : {}), policies } } });
  const denyAll = rbac(undefined, { 'ns[bookinfo]-policy[deny-all]-rule[0]': { permissions: [{ notRule: { any: true } }], principals: [{ notId: { any: true } }] } });
  const allowSa = rbac(undefined, { 'ns[bookinfo]-policy[allow]-rule[0]': {
    permissions: [{ andRules: { rules: [{ orRules: { rules: [{ header: { name: ':method', stringMatch: { exact: 'GET' } } }] } }] } }],
    principals: [{ andIds: { ids: [{ orIds: { ids: [{ authenticated: { principalName: { exact: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage' } } }] } }] } }],
  } });
  assert.deepEqual(authorize([], request), { verdict: 'ALLOW', reason: 'no AuthorizationPolicy applies' });
  assert.equal(authorize([denyAll], request).verdict, 'DENY');
  assert.match(authorize([denyAll], request).policy ?? '', /AuthorizationPolicy bookinfo\/deny-all/);
  assert.equal(authorize([{ ...allowSa, typedConfig: { rules: { policies: { ...allowSa.typedConfig.rules.policies, ...denyAll.typedConfig.rules.policies } } } }], request).verdict, 'ALLOW');
  assert.equal(authorize([allowSa], { ...request, method: 'POST' }).verdict, 'DENY');
  assert.equal(authorize([allowSa], { ...request, mtls: false, principal: undefined }).verdict, 'DENY', 'plaintext has no principal');
  const deny = rbac('DENY', { 'ns[bookinfo]-policy[no-admin]-rule[0]': { permissions: [{ urlPath: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } });
  assert.equal(authorize([deny], { ...request, path: '/admin/x' }).verdict, 'DENY');
  assert.equal(authorize([deny], request).verdict, 'ALLOW');
  const jwt = rbac(undefined, { 'ns[bookinfo]-policy[jwt]-rule[0]': { permissions: [{ any: true }], principals: [{ metadata: { filter: 'envoy.filters.http.jwt_authn' } }] } });
  const unknown = authorize([jwt], request);
  assert.equal(unknown.verdict, 'UNKNOWN');
  assert.match(unknown.reason ?? '', /cannot evaluate principal metadata/);
  assert.equal(policyOf('ns[a]-policy[b]-rule[2]'), 'AuthorizationPolicy a/b (rule 2)');
});

test('the PeerAuthentication in effect: workload, then namespace, then mesh-wide', () => {
  const pa = (namespace: string, name: string, spec: any = {}) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
  const p = pod() as any;
  const mesh = pa('istio-system', 'default', { mtls: { mode: 'STRICT' } });
  const ns = pa('bookinfo', 'default', { mtls: { mode: 'PERMISSIVE' } });
  const workload = pa('bookinfo', 'pp', { selector: { matchLabels: { app: 'productpage' } }, portLevelMtls: { 9080: { mode: 'DISABLE' } } });
  const other = pa('bookinfo', 'other', { selector: { matchLabels: { app: 'reviews' } } });
  assert.equal(peerAuthenticationFor(p, 9080, [mesh]), 'PeerAuthentication istio-system/default, mesh-wide');
  assert.equal(peerAuthenticationFor(p, 9080, [mesh, ns, other]), 'PeerAuthentication bookinfo/default, namespace-wide');
  assert.equal(peerAuthenticationFor(p, 9080, [mesh, ns, workload]), 'PeerAuthentication bookinfo/pp, port 9080');
  assert.equal(peerAuthenticationFor(p, 8080, [workload]), 'PeerAuthentication bookinfo/pp, workload');
  assert.equal(peerAuthenticationFor(p, 9080, []), undefined);
});

test('routing test files: a test is name, from, request and expect; mistakes name the file and the test', () => {
  const tests = parseRoutingTests({ tests: [
    { name: 'split', from: { namespace: 'bookinfo', selector: 'app=productpage' }, request: { url: 'http://reviews:9080/', headers: { 'end-user': 'jason' } }, expect: { destinations: { v1: 90, v2: 10 } } },
    { from: 'pp.bookinfo', request: 'http://reviews:9080/', expect: { status: 403, authz: 'DENY' } },
  ] }, 'f.yaml');
  assert.deepEqual(tests[0].from, { namespace: 'bookinfo', selector: 'app=productpage' });
  assert.equal(tests[0].request.method, 'GET');
  assert.deepEqual(tests[1], { name: 'test 2', from: { pod: 'pp.bookinfo' }, request: { url: 'http://reviews:9080/', method: 'GET', headers: {} }, expect: { status: 403, authz: 'DENY' } });
  const bad = (doc: unknown, message: RegExp) => assert.throws(() => parseRoutingTests(doc, 'f.yaml'), message);
  bad({}, /f\.yaml: tests: expected a list of tests/);
  bad({ tests: [] }, /expected a list of tests/);
  bad({ tests: [{ name: 'x', from: 'a.b', request: 'http://r/', expect: {} }] }, /tests\[0\] \(x\): expect: at least one of/);
  bad({ tests: [{ name: 'x', from: 'a.b', request: 'http://r/', expect: { colour: 'blue' } }] }, /expect: unknown field "colour"/);
  bad({ tests: [{ name: 'x', from: 'a.b', request: 'http://r/', expect: { destinations: { v1: 'ninety' } } }] }, /expect\.destinations: a map of subset/);
  bad({ tests: [{ name: 'x', from: 'a.b', request: 'http://r/', expect: { mtls: 'strict' } }] }, /expect\.mtls: STRICT, PERMISSIVE or DISABLE/);
  bad({ tests: [{ name: 'x', from: {}, request: 'http://r/', expect: { status: 200 } }] }, /from: a pod/);
  bad({ tests: [{ name: 'x', from: 'a.b', expect: { status: 200 } }] }, /request: \{ url/);
  bad({ tests: [{ name: 'x', from: 'a.b', request: 'http://r/', expect: { status: 200 }, extra: 1 }] }, /unknown field "extra"/);
});

test('routing test expectations: destinations by subset or host, status, VirtualService, mTLS and authorization, each failure said', () => {
  const x: any = {
    ...explainOutbound(clientSnapshot(), req()),
    request: { method: 'GET', url: 'http://reviews:9080/', headers: {} }, from: { pod: 'bookinfo/pp', sidecar: true, node: 'n' }, destination: { host: 'reviews' },
    server: [{ pod: 'bookinfo/reviews-v1', port: 9080, mtlsMode: 'PERMISSIVE', arrivesAs: 'over mTLS', verdict: 'ALLOW' }], configVersion: {},
  };
  const t = (expect: any) => checkExpectations({ name: 't', from: { pod: 'pp.bookinfo' }, request: { url: 'http://reviews:9080/', method: 'GET', headers: {} }, expect }, x);
  assert.deepEqual(t({ destinations: { v1: 90, v2: 10 }, virtualService: 'bookinfo/reviews', status: 200, mtls: 'PERMISSIVE', authz: 'ALLOW', retries: 2 }), []);
  assert.deepEqual(t({ destinations: { reviews: 100 } }), []);
  assert.deepEqual(t({ destinations: { 'reviews/v1': 90, 'reviews/v2': 10 } }), []);
  assert.deepEqual(t({ destinations: { v1: 100 } }), ['destinations: v1 gets 90% of requests, expected 100%', 'destinations: 10% of requests go to outbound|9080|v2|reviews.bookinfo.svc.cluster.local, which the test does not expect']);
  assert.deepEqual(t({ virtualService: 'bookinfo/other' }), ['virtualService: the route comes from bookinfo/reviews, expected bookinfo/other']);
  assert.deepEqual(t({ mtls: 'STRICT', authz: 'DENY' }), ['mtls: PERMISSIVE at pod bookinfo/reviews-v1, expected STRICT', 'authz: ALLOW at pod bookinfo/reviews-v1, expected DENY']);
  assert.deepEqual(t({ timeout: '2s' }), ['timeout: Envoy\'s default, expected 2s']);
  const denied = { ...x, server: [{ ...x.server[0], verdict: 'DENY', policy: 'AuthorizationPolicy bookinfo/deny-all' }] };
  assert.equal(predictedStatus(denied).status, 403);
  const jason = { ...x, ...explainOutbound(clientSnapshot(), req({ headers: { 'end-user': 'jason' } })) };
  assert.deepEqual(predictedStatus(jason), { reason: 'a fault aborts 50% of requests with 503' }, 'a fault on half the requests makes the status uncertain');
  const none = { ...x, ...explainOutbound(clientSnapshot(), req({ host: 'nothing.example' })), server: [] };
  assert.equal(predictedStatus(none).status, 200, 'the passthrough route of allow_any');
});

test('JUnit XML: failures, errors and passes, with XML escaped', () => {
  const xml = junitXml('meshctl test', [
    { name: 'a <ok>', time: 0.5, failures: [] },
    { name: 'b', time: 1, failures: ['v1 gets 90% & not "50%"', 'second'] },
    { name: 'c', time: 0, failures: [], error: 'pod x not found' },
  ]);
  assert.match(xml, /<testsuites tests="3" failures="1" errors="1" time="1\.500">/);
  assert.match(xml, /<testcase classname="meshctl test" name="a &lt;ok&gt;" time="0\.500"\/>/);
  assert.match(xml, /<failure message="v1 gets 90% &amp; not &quot;50%&quot;">v1 gets 90% &amp; not &quot;50%&quot;\nsecond<\/failure>/);
  assert.match(xml, /<error message="pod x not found"><\/error>/);
});

test('--wait=pushed: the one condition is "pushed"; the fingerprint is the configuration without its versions', () => {
  assert.equal(parseWait(undefined), undefined);
  assert.equal(parseWait('pushed'), 'pushed');
  assert.throws(() => parseWait('ready'), /the one condition is "pushed"/);
  const a = clientSnapshot();
  assert.equal(fingerprint({ ...a, versions: { x: '1' } }), fingerprint({ ...a, versions: { x: '2' } }));
  assert.notEqual(fingerprint(a), fingerprint({ ...a, clusters: a.clusters.slice(1) }));
  assert.equal(fingerprint(a), fingerprint({ ...a, clusters: [...a.clusters].reverse(), listeners: [...a.listeners].reverse() }), 'istiod\'s order of resources is no change');
});

test('explain and test results are printed with control characters escaped (names come from the cluster)', async () => {
  const { renderExplanation } = await import('../../src/mesh/xds/explain-text.js');
  const { renderResults } = await import('../../src/mesh/xds/run-tests.js');
  const x: any = { ...explainOutbound(clientSnapshot(), req()), request: { method: 'GET', url: 'http://reviews:9080/', headers: { 'x-evil': 'a\x1b[2Jb' } }, from: { pod: 'bookinfo/pp', sidecar: true, node: 'n' }, destination: { host: 'reviews' }, server: [] };
  const text = renderExplanation(x);
  assert.ok(!text.includes('\x1b'), 'no raw escape');
  assert.match(text, /a\\x1b\[2Jb/);
  const out = renderResults([{ file: 'f.yaml', name: 'line\n::error::forged', passed: true, failures: [], seconds: 0 }]);
  assert.equal(out.split('\n')[0], '✔ f.yaml: line\\n::error::forged');
});

test('a config dump reads back as the resources it was written from; a file that is not one is said', async () => {
  const { configDump } = await import('../../src/mesh/xds/tables.js');
  const { snapshotFromDump, nodeOfDump } = await import('../../src/mesh/xds/dump.js');
  const snap = clientSnapshot();
  const node = { id: 'sidecar~10.0.0.1~pp.bookinfo~bookinfo.svc.cluster.local', cluster: 'pp.bookinfo', metadata: {} };
  const dump = JSON.parse(JSON.stringify(configDump({ ...snap, versions: { [TYPE.cluster]: 'v1' } }, node)));
  const back = snapshotFromDump(dump);
  assert.deepEqual([back.clusters, back.listeners, back.routes, back.endpoints], [snap.clusters, snap.listeners, snap.routes, snap.endpoints]);
  assert.equal(back.versions[TYPE.cluster], 'v1');
  assert.equal(nodeOfDump(dump), node.id);
  assert.throws(() => snapshotFromDump({ kind: 'Pod' }), /not an Envoy config dump/);
  assert.throws(() => snapshotFromDump({ configs: [{ '@type': 'x.BootstrapConfigDump' }] }), /holds no clusters, listeners or routes/);
});
