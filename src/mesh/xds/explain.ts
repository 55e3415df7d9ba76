/**
 * What Envoy would do with one request, read from the configuration istiod gave a ghost of the client pod: the
 * outbound listener and filter chain the connection lands on, the route configuration, the virtual host and route
 * that match (as Envoy matches them: domains exact, then suffix and prefix wildcards, then "*"; routes in order),
 * the weighted clusters with their probabilities, retries, timeout, fault and mirror, and each cluster's subset,
 * load balancing, outlier detection and upstream TLS. Pure: the configuration is data, so Istio's own objects
 * (named in istiod's route and cluster metadata) are what it explains.
 */
import { re2FullMatch } from '../../schema/re2.js';
import { obj, list, str, type Obj, type Json } from './types.js';
import { clusterKey, describeChainMatch, describeMatch, HTTP_FILTER, managedBy, TCP_FILTER } from './tables.js';
import type { XdsSnapshot } from './client.js';

export interface ExplainRequest {
  method: string;
  scheme: 'http' | 'https';
  /** The host as the client names it (Host header without port). */
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  /** The address the name resolves to (a Service's cluster IP), when known. */
  destinationIp?: string;
}

export interface ExplainedCluster {
  name: string;
  weight: number;
  /** The share of requests, 0–100. */
  percent: number;
  host: string;
  port: number;
  subset: string;
  /** The DestinationRule the cluster's settings came from ("reviews.bookinfo"), or "". */
  destinationRule: string;
  loadBalancing: string;
  /** Envoy's cluster type: EDS (endpoints from istiod), ORIGINAL_DST (where the client aimed), STRICT_DNS, STATIC… */
  type: string;
  outlierDetection: Json | null;
  /** How the connection to an endpoint is secured: "ISTIO_MUTUAL (auto: endpoints with a sidecar)", "TLS", "plaintext". */
  upstreamTls: string;
  endpoints: { address: string; sidecar: boolean }[];
  found: boolean;
}

export interface OutboundExplanation {
  listener: string;
  filterChain: { name: string; match: string };
  /** "http" when an HTTP connection manager handles it, "tcp" for a TCP proxy, "none" when nothing does. */
  protocol: 'http' | 'tcp' | 'none';
  routeConfig?: string;
  virtualHost?: { name: string; domain: string };
  route?: {
    name: string;
    match: string;
    /** The VirtualService or HTTPRoute the route came from ("reviews.bookinfo"), or "". */
    virtualService: string;
    timeout?: string;
    retries?: { attempts: number; on: string; perTryTimeout?: string };
    fault?: { delay?: { fixed: string; percent: number }; abort?: { status: number; percent: number } };
    mirrors: { cluster: string; percent: number }[];
    directResponse?: { status: number };
    redirect?: Json;
  };
  clusters: ExplainedCluster[];
  /** Why nothing matched (no listener, no virtual host, no route), when nothing did. */
  problem?: string;
}

const ALL_ADDRESSES = '0.0.0.0';

/** The listener a connection to ip:port lands on: one for exactly that address, else the wildcard one, else none. */
function pickListener(listeners: Obj[], ip: string | undefined, port: number): Obj | undefined {
  const sock = (l: Obj) => obj(obj(l.address).socketAddress);
  const onPort = listeners.filter((l) => Number(sock(l).portValue ?? 0) === port && str(l.trafficDirection) !== 'INBOUND');
  return (ip ? onPort.find((l) => str(sock(l).address) === ip) : undefined) ?? onPort.find((l) => str(sock(l).address) === ALL_ADDRESSES);
}

export function ipInPrefix(ip: string, prefix: string, len: number): boolean {
  const parts = (a: string) => a.split('.').map(Number);
  const a = parts(ip);
  const b = parts(prefix);
  if (a.length !== 4 || b.length !== 4 || a.some(Number.isNaN)) return false;
  const n = (x: number[]) => ((x[0] << 24) >>> 0) + (x[1] << 16) + (x[2] << 8) + x[3];
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((n(a) & mask) >>> 0) === ((n(b) & mask) >>> 0);
}

/**
 * The filter chain Envoy picks for a connection to ip:port over `transport` ("raw_buffer" or "tls") offering the
 * application protocols `alpn` (["http/1.1"] for plaintext HTTP, [] for other TCP), most specific criterion first
 * (destination port, destination address, server name, transport, application protocols), as its filter chain
 * matching does.
 */
export function pickFilterChain(listener: Obj, ip: string | undefined, port: number, offeredAlpn: string[], offeredTransport = 'raw_buffer'): Obj | undefined {
  // what the listener's inspectors detect: TLS (and its ALPN) only with a TLS inspector; HTTP in plaintext only with an
  // HTTP inspector; without them Envoy sees raw bytes with no application protocol
  const tlsSeen = offeredTransport === 'tls' && inspects(listener, 'envoy.filters.listener.tls_inspector', port);
  const transport = tlsSeen ? 'tls' : 'raw_buffer';
  const alpn = tlsSeen ? offeredAlpn : offeredTransport === 'tls' ? [] : inspects(listener, 'envoy.filters.listener.http_inspector', port) ? offeredAlpn : [];
  let chains = list(listener.filterChains).map(obj);
  const m = (c: Obj) => obj(c.filterChainMatch);
  const narrow = (has: (c: Obj) => boolean, ok: (c: Obj) => boolean) => {
    const specific = chains.filter((c) => has(c) && ok(c));
    chains = specific.length ? specific : chains.filter((c) => !has(c));
  };
  narrow((c) => m(c).destinationPort !== undefined, (c) => Number(m(c).destinationPort) === port);
  const inRange = (r: Obj) => Boolean(ip) && ipInPrefix(ip!, str(r.addressPrefix), Number(r.prefixLen ?? 0));
  narrow((c) => list(m(c).prefixRanges).length > 0, (c) => list(m(c).prefixRanges).map(obj).some(inRange));
  narrow((c) => list(m(c).serverNames).length > 0, () => false);
  narrow((c) => Boolean(str(m(c).transportProtocol)), (c) => str(m(c).transportProtocol) === transport);
  narrow((c) => list(m(c).applicationProtocols).length > 0, (c) => list(m(c).applicationProtocols).map(str).some((p) => alpn.includes(p)));
  return chains[0] ?? (listener.defaultFilterChain ? obj(listener.defaultFilterChain) : undefined);
}

/** Whether the listener runs the inspector `name` for connections to `port` (its `filterDisabled` port ranges honoured). */
export function inspects(listener: Obj, name: string, port: number): boolean {
  const f = list(listener.listenerFilters).map(obj).find((x) => str(x.name) === name);
  if (!f) return false;
  return !(f.filterDisabled !== undefined && predicateMatches(obj(f.filterDisabled), port));
}

/** A listener filter's match predicate, on the destination port (what istiod writes); other predicates count as matching nothing. */
function predicateMatches(p: Obj, port: number): boolean {
  if (p.anyMatch === true) return true;
  if (p.destinationPortRange !== undefined) {
    const r = obj(p.destinationPortRange);
    return port >= Number(r.start ?? 0) && port < Number(r.end ?? 0);
  }
  if (p.orMatch !== undefined) return list(obj(p.orMatch).rules).some((r) => predicateMatches(obj(r), port));
  if (p.andMatch !== undefined) return list(obj(p.andMatch).rules).every((r) => predicateMatches(obj(r), port));
  if (p.notMatch !== undefined) return !predicateMatches(obj(p.notMatch), port);
  return false;
}

/** How Envoy matches a Host against a virtual host's domains: exact, then "*.suffix" and "prefix.*" (longest first), then "*". */
export function pickVirtualHost(vhosts: Obj[], hostHeader: string): { vh: Obj; domain: string } | undefined {
  const host = hostHeader.toLowerCase();
  const candidates: { vh: Obj; domain: string; rank: number; len: number }[] = [];
  for (const vh of vhosts) {
    for (const d of list(vh.domains).map(str)) {
      const dl = d.toLowerCase();
      if (dl === host) candidates.push({ vh, domain: d, rank: 0, len: d.length });
      else if (dl.startsWith('*') && dl !== '*' && host.endsWith(dl.slice(1)) && host.length > dl.length - 1) candidates.push({ vh, domain: d, rank: 1, len: d.length });
      else if (dl.endsWith('*') && dl !== '*' && host.startsWith(dl.slice(0, -1)) && host.length > dl.length - 1) candidates.push({ vh, domain: d, rank: 2, len: d.length });
      else if (dl === '*') candidates.push({ vh, domain: d, rank: 3, len: 0 });
    }
  }
  candidates.sort((a, b) => a.rank - b.rank || b.len - a.len);
  return candidates[0] && { vh: candidates[0].vh, domain: candidates[0].domain };
}

export function stringMatches(m: Obj, value: string): boolean {
  const ignoreCase = m.ignoreCase === true;
  const v = ignoreCase ? value.toLowerCase() : value;
  const c = (s: Json | undefined) => (ignoreCase ? str(s).toLowerCase() : str(s));
  if (m.exact !== undefined) return v === c(m.exact);
  if (m.prefix !== undefined) return v.startsWith(c(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(c(m.suffix));
  if (m.contains !== undefined) return v.includes(c(m.contains));
  if (m.safeRegex !== undefined) return re2FullMatch(value, str(obj(m.safeRegex).regex));
  return false;
}

export function headerMatches(h: Obj, headers: Record<string, string>): boolean {
  const name = str(h.name).toLowerCase();
  const value = headers[name];
  let ok: boolean;
  if (h.presentMatch !== undefined) ok = (value !== undefined) === (h.presentMatch === true);
  else if (value === undefined && h.treatMissingHeaderAsEmpty !== true) ok = false;
  else if (h.stringMatch !== undefined) ok = stringMatches(obj(h.stringMatch), value ?? '');
  else if (h.exactMatch !== undefined) ok = (value ?? '') === str(h.exactMatch);
  else if (h.prefixMatch !== undefined) ok = (value ?? '').startsWith(str(h.prefixMatch));
  else if (h.suffixMatch !== undefined) ok = (value ?? '').endsWith(str(h.suffixMatch));
  else if (h.safeRegexMatch !== undefined) ok = re2FullMatch(value ?? '', str(obj(h.safeRegexMatch).regex));
  else ok = value !== undefined;
  return h.invertMatch === true ? !ok : ok;
}

/** Whether an Envoy route match matches the request (path, headers, query parameters). */
export function routeMatches(match: Obj, req: ExplainRequest, headers: Record<string, string>): boolean {
  const [pathOnly, query = ''] = req.path.split('?', 2);
  const caseSensitive = match.caseSensitive !== false;
  const p = caseSensitive ? pathOnly : pathOnly.toLowerCase();
  const c = (s: Json | undefined) => (caseSensitive ? str(s) : str(s).toLowerCase());
  if (match.prefix !== undefined && !p.startsWith(c(match.prefix))) return false;
  if (match.path !== undefined && p !== c(match.path)) return false;
  if (match.safeRegex !== undefined && !re2FullMatch(pathOnly, str(obj(match.safeRegex).regex))) return false;
  if (match.pathSeparatedPrefix !== undefined) {
    const pre = c(match.pathSeparatedPrefix);
    if (!(p === pre || p.startsWith(`${pre}/`) || p.startsWith(`${pre}?`))) return false;
  }
  if (!list(match.headers).map(obj).every((h) => headerMatches(h, headers))) return false;
  const params = new URLSearchParams(query);
  for (const q of list(match.queryParameters).map(obj)) {
    const value = params.get(str(q.name));
    if (q.presentMatch === true) { if (value === null) return false; continue; }
    if (value === null) return false;
    if (q.stringMatch !== undefined && !stringMatches(obj(q.stringMatch), value)) return false;
  }
  return true;
}

const percentOf = (frac: Json | undefined): number => {
  const f = obj(frac);
  const d = str(f.denominator) || 'HUNDRED';
  const n = Number(f.numerator ?? 0);
  return d === 'HUNDRED' ? n : d === 'TEN_THOUSAND' ? n / 100 : n / 10_000;
};

/** How a cluster secures connections to its endpoints, from its transport socket (matches). */
export function upstreamTls(cluster: Obj): string {
  const matches = list(cluster.transportSocketMatches).map(obj);
  if (matches.some((m) => str(obj(m.match).tlsMode) === 'istio')) return 'ISTIO_MUTUAL to endpoints with a sidecar, plaintext to others (auto mTLS)';
  const ts = obj(cluster.transportSocket);
  if (str(ts.name) !== 'envoy.transport_sockets.tls') return 'plaintext';
  const ctx = obj(obj(obj(ts.typedConfig).commonTlsContext));
  const sds = list(ctx.tlsCertificateSdsSecretConfigs).map(obj).map((s) => str(s.name));
  const validation = str(obj(obj(ctx.combinedValidationContext).validationContextSdsSecretConfig).name);
  if (sds.includes('default') && validation === 'ROOTCA') return 'ISTIO_MUTUAL';
  return list(ctx.tlsCertificates).length || sds.length ? 'MUTUAL TLS' : 'TLS';
}

function explainCluster(name: string, weight: number, total: number, snap: XdsSnapshot): ExplainedCluster {
  const cluster = snap.clusters.find((c) => c.name === name);
  const k = clusterKey(name);
  const edsName = cluster ? str(obj(cluster.edsClusterConfig).serviceName) || name : name;
  const cla = snap.endpoints.find((e) => e.clusterName === edsName);
  const endpoints = list(cla?.endpoints).map(obj).flatMap((llb) => list(llb.lbEndpoints).map(obj)).map((ep) => {
    const s = obj(obj(obj(ep.endpoint).address).socketAddress);
    const tlsMode = str(obj(obj(obj(ep.metadata).filterMetadata)['envoy.transport_socket_match']).tlsMode);
    return { address: `${str(s.address)}:${str(s.portValue)}`, sidecar: tlsMode === 'istio' };
  });
  return {
    name, weight, percent: total > 0 ? Math.round((weight / total) * 10_000) / 100 : 0,
    host: k.host, port: k.port, subset: k.subset,
    destinationRule: cluster ? managedBy(cluster.metadata) : '',
    loadBalancing: cluster ? str(cluster.lbPolicy) || 'ROUND_ROBIN' : '',
    type: cluster ? str(cluster.type) || 'STATIC' : '',
    outlierDetection: cluster?.outlierDetection ?? null,
    upstreamTls: cluster ? upstreamTls(cluster) : '',
    endpoints, found: Boolean(cluster),
  };
}

/** Follows one request through the client's outbound configuration. */
export function explainOutbound(snap: XdsSnapshot, req: ExplainRequest): OutboundExplanation {
  const hostHeader = (req.scheme === 'http' && req.port === 80) || (req.scheme === 'https' && req.port === 443) ? req.host : `${req.host}:${req.port}`;
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])),
    ':method': req.method, ':authority': hostHeader, ':path': req.path, ':scheme': req.scheme, host: hostHeader,
  };
  const listener = pickListener(snap.listeners, req.destinationIp, req.port);
  const none: OutboundExplanation = { listener: '', filterChain: { name: '', match: '' }, protocol: 'none', clusters: [] };
  if (!listener) {
    // the virtual outbound listener's own chains: traffic to a port no service has
    const passthrough = snap.clusters.some((c) => c.name === 'PassthroughCluster');
    return { ...none, problem: `no outbound listener for port ${req.port}: the connection goes to ${passthrough ? 'PassthroughCluster (out of the mesh, unchanged)' : 'BlackHoleCluster (dropped: outbound traffic policy REGISTRY_ONLY)'}` };
  }
  const chain = pickFilterChain(listener, req.destinationIp, req.port, req.scheme === 'http' ? ['http/1.1'] : []);
  const base = { ...none, listener: str(listener.name), filterChain: { name: str(chain?.name), match: describeChainMatch(chain?.filterChainMatch) } };
  if (!chain) return { ...base, problem: `no filter chain of listener ${str(listener.name)} takes this connection` };
  const filters = list(chain.filters).map(obj);
  const hcm = filters.find((f) => f.name === HTTP_FILTER);
  if (!hcm) {
    const tcp = filters.find((f) => f.name === TCP_FILTER);
    if (!tcp) return { ...base, problem: 'the filter chain neither routes HTTP nor proxies TCP' };
    const tc = obj(tcp.typedConfig);
    const weighted = list(obj(tc.weightedClusters).clusters).map(obj);
    const targets = weighted.length ? weighted.map((w) => ({ name: str(w.name), weight: Number(w.weight ?? 0) })) : [{ name: str(tc.cluster), weight: 1 }];
    const total = targets.reduce((s, t) => s + t.weight, 0);
    return { ...base, protocol: 'tcp', clusters: targets.map((t) => explainCluster(t.name, t.weight, total, snap)) };
  }
  const tc = obj(hcm.typedConfig);
  const routeName = str(obj(tc.rds).routeConfigName);
  const rc = tc.routeConfig !== undefined ? obj(tc.routeConfig) : snap.routes.find((r) => r.name === routeName);
  if (!rc) return { ...base, protocol: 'http', routeConfig: routeName, problem: `route configuration ${routeName} was not sent` };
  // ignore_port_in_host_matching (istiod sets it): the Host header's port is dropped before matching domains
  const matchHost = rc.ignorePortInHostMatching === true ? req.host : hostHeader;
  const picked = pickVirtualHost(list(rc.virtualHosts).map(obj), matchHost);
  const withRc = { ...base, protocol: 'http' as const, routeConfig: str(rc.name) || routeName };
  if (!picked) return { ...withRc, problem: `no virtual host of route configuration ${withRc.routeConfig} has the domain ${matchHost}: 404` };
  const virtualHost = { name: str(picked.vh.name), domain: picked.domain };
  const route = list(picked.vh.routes).map(obj).find((r) => routeMatches(obj(r.match), req, headers));
  if (!route) return { ...withRc, virtualHost, problem: `no route of virtual host ${virtualHost.name} matches ${req.method} ${req.path}: 404` };
  const action = obj(route.route);
  const fault = obj(obj(route.typedPerFilterConfig)['envoy.filters.http.fault']);
  const retry = obj(action.retryPolicy);
  const explained: NonNullable<OutboundExplanation['route']> = {
    name: str(route.name), match: describeMatch(route.match), virtualService: managedBy(route.metadata),
    ...(action.timeout !== undefined ? { timeout: str(action.timeout) } : {}),
    ...(action.retryPolicy !== undefined ? {
      retries: {
        attempts: Number(retry.numRetries ?? 1), on: str(retry.retryOn),
        ...(retry.perTryTimeout !== undefined ? { perTryTimeout: str(retry.perTryTimeout) } : {}),
      },
    } : {}),
    ...(route.typedPerFilterConfig && obj(route.typedPerFilterConfig)['envoy.filters.http.fault'] !== undefined ? {
      fault: {
        ...(fault.delay !== undefined ? { delay: { fixed: str(obj(fault.delay).fixedDelay), percent: percentOf(obj(fault.delay).percentage) } } : {}),
        ...(fault.abort !== undefined ? { abort: { status: Number(obj(fault.abort).httpStatus ?? 0), percent: percentOf(obj(fault.abort).percentage) } } : {}),
      },
    } : {}),
    mirrors: list(action.requestMirrorPolicies).map(obj)
      .map((m) => ({ cluster: str(m.cluster), percent: m.runtimeFraction !== undefined ? percentOf(obj(m.runtimeFraction).defaultValue) : 100 })),
    ...(route.directResponse !== undefined ? { directResponse: { status: Number(obj(route.directResponse).status ?? 0) } } : {}),
    ...(route.redirect !== undefined ? { redirect: route.redirect } : {}),
  };
  const weighted = list(obj(action.weightedClusters).clusters).map(obj);
  const targets = weighted.length ? weighted.map((w) => ({ name: str(w.name), weight: Number(w.weight ?? 0) }))
    : action.cluster !== undefined ? [{ name: str(action.cluster), weight: 1 }] : [];
  const total = targets.reduce((s, t) => s + t.weight, 0);
  return { ...withRc, virtualHost, route: explained, clusters: targets.map((t) => explainCluster(t.name, t.weight, total, snap)) };
}
