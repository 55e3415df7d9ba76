/**
 * What `meshctl proxy-config` prints, from a ghost's configuration: Envoy's admin config dump (the form
 * `istioctl proxy-config … --file` reads) and the summary tables, with istioctl's columns and cell wording
 * (istioctl/pkg/writer/envoy/configdump). Rows are in a stable order of meshctl's own (istioctl's order among names
 * that are not numbers depends on its sort). Pure.
 */
import { obj, list, str, type Obj, type Json } from './types.js';
import { TYPE, type XdsSnapshot } from './client.js';
import type { GhostNode } from './ghost.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
export const HTTP_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_FILTER = 'envoy.filters.network.tcp_proxy';

/** Envoy's `/config_dump?include_eds` for the ghost: bootstrap (the node only), clusters, listeners, routes, endpoints. */
export function configDump(snap: XdsSnapshot, node: GhostNode): Obj {
  const v = (t: string) => snap.versions[t] ?? '';
  return {
    configs: [
      { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: { node: { id: node.id, cluster: node.cluster, metadata: node.metadata as Json } } },
      { '@type': `${ADMIN}ClustersConfigDump`, versionInfo: v(TYPE.cluster), dynamicActiveClusters: snap.clusters.map((c) => ({ versionInfo: v(TYPE.cluster), cluster: { '@type': TYPE.cluster, ...c } })) },
      { '@type': `${ADMIN}ListenersConfigDump`, versionInfo: v(TYPE.listener), dynamicListeners: snap.listeners.map((l) => ({ name: l.name, activeState: { versionInfo: v(TYPE.listener), listener: { '@type': TYPE.listener, ...l } } })) },
      { '@type': `${ADMIN}RoutesConfigDump`, dynamicRouteConfigs: snap.routes.map((r) => ({ versionInfo: v(TYPE.route), routeConfig: { '@type': TYPE.route, ...r } })) },
      { '@type': `${ADMIN}EndpointsConfigDump`, dynamicEndpointConfigs: snap.endpoints.map((e) => ({ versionInfo: v(TYPE.endpoint), endpointConfig: { '@type': TYPE.endpoint, ...e } })) },
    ],
  };
}

/** A cluster name's parts ("outbound|9080|v1|reviews.ns.svc.cluster.local"); a name without them is its own host. */
export function clusterKey(name: string): { direction: string; port: number; subset: string; host: string; subsetKey: boolean } {
  const parts = name.split('|');
  if (parts.length <= 3) return { direction: '', port: 0, subset: '', host: name, subsetKey: false };
  return { direction: parts[0], port: Number.parseInt(parts[1], 10) || 0, subset: parts[2], host: parts[3], subsetKey: true };
}

function byClusterKey(a: string, b: string): number {
  const x = clusterKey(a);
  const y = clusterKey(b);
  return cmp(x.host, y.host) || cmp(x.subset, y.subset) || x.port - y.port || cmp(x.direction, y.direction);
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** "reviews.bookinfo": the Istio object a route or cluster came from (istiod's `istio` filter metadata), "" if none. */
export function managedBy(metadata: Json | undefined): string {
  const config = obj(obj(obj(metadata).filterMetadata).istio).config;
  if (config === undefined) return '';
  const path = str(config);
  if (!path.startsWith('/apis/networking.istio.io/')) return '<unknown>';
  const pieces = path.split('/');
  return pieces.length === 8 ? `${pieces[7]}.${pieces[5]}` : '';
}

/** "bookinfo/reviews": the NAMESPACE/NAME of an object `managedBy` names as istioctl does ("reviews.bookinfo"). */
export function managedRef(managed: string): string {
  const dot = managed.lastIndexOf('.');
  return dot > 0 ? `${managed.slice(dot + 1)}/${managed.slice(0, dot)}` : managed;
}

/** The clusters table: SERVICE FQDN, PORT, SUBSET, DIRECTION, TYPE, DESTINATION RULE. */
export function clusterRows(clusters: Obj[]): string[][] {
  const rows = [...clusters].sort((a, b) => byClusterKey(str(a.name), str(b.name))).map((c) => {
    const name = str(c.name);
    const k = clusterKey(name);
    const type = str(c.type) || 'STATIC';
    return k.subsetKey
      ? [k.host, String(k.port), k.subset || '-', k.direction, type, managedBy(c.metadata)]
      : [name, '-', '-', '-', type, managedBy(c.metadata)];
  });
  return [['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'], ...rows];
}

/** A route match as istioctl describes it ("/*", "PathPrefix:/api", "regex …"); headers are left out, as there. */
export function describeMatch(match: Json | undefined): string {
  const m = obj(match);
  const conds: string[] = [];
  if (str(m.prefix)) conds.push(`${str(m.prefix)}*`);
  if (str(m.pathSeparatedPrefix)) conds.push(`PathPrefix:${str(m.pathSeparatedPrefix)}`);
  if (str(m.path)) conds.push(str(m.path));
  if (m.safeRegex !== undefined) conds.push(`regex ${str(obj(m.safeRegex).regex)}`);
  return conds.join(' ');
}

/** A virtual host's domains in short: the one domain, or those without a port, short forms preferred, two at most. */
export function describeDomains(domains: string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0];
  const withoutPort = domains.filter((d) => !d.includes(':') || ((d.match(/:/g) ?? []).length > 2 && d.endsWith(']')));
  const unique = new Set(withoutPort);
  const longer = new Set(withoutPort.filter((h) => {
    const full = h.endsWith('.svc.cluster.local') ? h.slice(0, -'.svc.cluster.local'.length) : h;
    const partial = h.endsWith('.svc') ? h.slice(0, -'.svc'.length) : h;
    return (full !== h && unique.has(full)) || (partial !== h && unique.has(partial));
  }));
  const short = withoutPort.filter((h) => !longer.has(h));
  return short.length > 2 ? `${short.slice(0, 2).join(', ')} + ${short.length - 2} more...` : short.join(', ');
}

/** The routes table: NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL SERVICE (a vhost without routes: "/*" and "404"). */
export function routeRows(routes: Obj[]): string[][] {
  const rows: string[][] = [];
  for (const rc of sortRouteConfigs(routes)) {
    for (const vh of list(rc.virtualHosts).map(obj)) {
      const domains = describeDomains(list(vh.domains).map(str));
      const vhRoutes = list(vh.routes).map(obj);
      for (const r of vhRoutes) {
        if (str(obj(r.route).cluster) === 'PassthroughCluster') continue;
        rows.push([str(rc.name), str(vh.name), domains, describeMatch(r.match), managedBy(r.metadata)]);
      }
      if (vhRoutes.length === 0) rows.push([str(rc.name), str(vh.name), domains, '/*', '404']);
    }
  }
  return [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'], ...rows];
}

/** Route configurations named by a port in port order, then the others by name. */
function sortRouteConfigs(routes: Obj[]): Obj[] {
  const num = (n: string) => (/^\d+$/.test(n) ? Number(n) : undefined);
  return [...routes].sort((a, b) => {
    const x = num(str(a.name));
    const y = num(str(b.name));
    if (x !== undefined && y !== undefined) return x - y;
    if (x !== undefined) return -1;
    if (y !== undefined) return 1;
    return cmp(str(a.name), str(b.name));
  });
}

function filterChains(l: Obj): Obj[] {
  return [...list(l.filterChains).map(obj), ...(l.defaultFilterChain ? [obj(l.defaultFilterChain)] : [])];
}

const toBlackHole = (f: Obj) => JSON.stringify(f.typedConfig ?? null).includes('BlackHoleCluster');

/** HTTP, TCP, HTTP+TCP or UNKNOWN: what the listener's filter chains proxy. */
export function listenerType(l: Obj): string {
  let http = 0;
  let tcp = 0;
  for (const fc of filterChains(l)) {
    for (const f of list(fc.filters).map(obj)) {
      if (f.name === HTTP_FILTER) http++;
      else if (f.name === TCP_FILTER && !toBlackHole(f)) tcp++;
    }
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP';
  return tcp > 0 ? 'TCP' : 'UNKNOWN';
}

const socketAddress = (l: Obj) => obj(obj(l.address).socketAddress);
const listenerAddress = (l: Obj) => str(socketAddress(l).address) || str(obj(obj(l.address).pipe).path);
const listenerPort = (l: Obj) => Number(socketAddress(l).portValue ?? 0);

const PROTOCOLS: [string, string[]][] = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
];

/** A filter chain's match in istioctl's words ("SNI: …; Trans: tls; App: HTTP; Addr: *:9080", or "ALL"). */
export function describeChainMatch(match: Json | undefined): string {
  const m = obj(match);
  const descrs: string[] = [];
  const names = list(m.serverNames).map(str);
  if (names.length) descrs.push(`SNI: ${names.join(',')}`);
  if (str(m.transportProtocol)) descrs.push(`Trans: ${str(m.transportProtocol)}`);
  const protocols = list(m.applicationProtocols).map(str);
  if (protocols.length) {
    const known = PROTOCOLS.find(([, p]) => p.length === protocols.length && p.every((x, i) => x === protocols[i]));
    descrs.push(known ? known[0] : `App: ${protocols.join(',')}`);
  }
  const port = m.destinationPort !== undefined ? `:${str(m.destinationPort)}` : '';
  const ranges = list(m.prefixRanges).map(obj);
  if (ranges.length) descrs.push(`Addr: ${ranges.map((r) => `${str(r.addressPrefix)}/${str(r.prefixLen) || '0'}`).join(',')}${port}`);
  else if (port) descrs.push(`Addr: *${port}`);
  return (descrs.length ? descrs : ['ALL']).join('; ');
}

/** Where a filter chain sends traffic: "Route: 9080", "Cluster: outbound|…", "PassthroughCluster", "Inline Route: …". */
export function describeDestination(filters: Obj[]): string {
  for (const f of filters) {
    const tc = obj(f.typedConfig);
    if (f.name === HTTP_FILTER) {
      if (tc.routeConfig !== undefined) return describeInlineRoute(obj(tc.routeConfig));
      const rds = str(obj(tc.rds).routeConfigName);
      return rds ? `Route: ${rds}` : 'HTTP';
    }
    if (f.name === TCP_FILTER && !toBlackHole(f)) {
      const cluster = str(tc.cluster);
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

function describeInlineRoute(rc: Obj): string {
  const vhs = list(rc.virtualHosts).map(obj);
  if (vhs.length === 1) {
    const vh = vhs[0];
    const domains = list(vh.domains).map(str);
    const routes = list(vh.routes).map(obj);
    const cluster = str(obj(routes[0]?.route).cluster);
    if (domains.length === 1 && domains[0] === '*' && routes.length === 1 && str(obj(routes[0].match).prefix) === '/' && cluster) {
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  const described = vhs.map((vh) => {
    const domains = list(vh.domains).map(str);
    const d = domains.length === 1 && domains[0] === '*' ? '' : domains.join('/');
    const r = list(vh.routes).map((x) => describeMatch(obj(x).match)).join(', ');
    return d ? `${d} ${r}` : r;
  });
  return `Inline Route: ${described.join('; ')}`;
}

/** The listeners table: ADDRESSES, PORT, MATCH, DESTINATION, one row per filter chain. */
export function listenerRows(listeners: Obj[]): string[][] {
  const sorted = [...listeners]
    .sort((a, b) => listenerPort(a) - listenerPort(b) || cmp(listenerAddress(a), listenerAddress(b)) || cmp(listenerType(a), listenerType(b)));
  const rows: string[][] = [];
  for (const l of sorted) {
    const addresses = [listenerAddress(l), ...list(l.additionalAddresses).map((a) => str(obj(obj(obj(a).address).socketAddress).address))].join(',');
    const chains = filterChains(l)
      .map((fc) => ({ match: describeChainMatch(fc.filterChainMatch), destination: describeDestination(list(fc.filters).map(obj)) }));
    chains.sort((a, b) => cmp(b.destination, a.destination) || cmp(a.match, b.match));
    for (const c of chains) rows.push([addresses, String(listenerPort(l)), c.match, c.destination]);
  }
  return [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'], ...rows];
}

/** The endpoints table (istioctl's `proxy-config eds`): NAME, STATUS, LOCALITY, CLUSTER; clusters without endpoints left out. */
export function endpointRows(assignments: Obj[]): string[][] {
  const rows: string[][] = [];
  const sorted = [...assignments].sort((a, b) => byClusterKey(str(a.clusterName), str(b.clusterName)));
  for (const cla of sorted) {
    for (const llb of list(cla.endpoints).map(obj)) {
      const loc = obj(llb.locality);
      const locality = [str(loc.region), str(loc.zone), str(loc.subZone)];
      const localityText = llb.locality === undefined ? '' : !locality[1] ? locality[0] : !locality[2] ? `${locality[0]}/${locality[1]}` : locality.join('/');
      for (const ep of list(llb.lbEndpoints).map(obj)) {
        const e = obj(ep.endpoint);
        const addrs = [obj(e.address), ...list(e.additionalAddresses).map((a) => obj(obj(a).address))].map(addressText);
        rows.push([addrs.join(','), str(ep.healthStatus) || 'UNKNOWN', localityText, str(cla.clusterName)]);
      }
    }
  }
  return [['NAME', 'STATUS', 'LOCALITY', 'CLUSTER'], ...rows];
}

function addressText(a: Obj): string {
  if (a.socketAddress !== undefined) {
    const s = obj(a.socketAddress);
    return `${str(s.address)}:${str(s.portValue) || '0'}`;
  }
  if (a.pipe !== undefined) return str(obj(a.pipe).path);
  if (a.envoyInternalAddress !== undefined) {
    const i = obj(a.envoyInternalAddress);
    if (i.serverListenerName !== undefined) return `envoy://${str(i.serverListenerName)}/${str(i.endpointId)}`;
  }
  return 'unknown';
}
