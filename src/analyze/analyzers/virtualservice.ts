/** VirtualService analyzers: destinations, subsets, gateways, conflicts, unreachable rules, ports. */
import { asList } from '../../manifests/object.js';
import type { Analyzer } from '../analyzer.js';
import { MESSAGES, partiesList } from '../messages.js';
import { hostMatches, istioFqdn, labelsMatch, type Resource, type Snapshot } from '../snapshot.js';
import { destinations } from './shared.js';

function gatewaysOf(vs: Resource): string[] {
  const g = vs.object.spec?.gateways;
  return Array.isArray(g) && g.length > 0 ? g : ['mesh'];
}

/** The Gateway a VirtualService names (`gw`, `ns/gw`), if present. */
function findGateway(s: Snapshot, vs: Resource, ref: string): Resource | undefined {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vs.namespace, ref];
  return s.of('Gateway').find((g) => g.name === name && g.namespace === ns);
}

/** The port numbers of a Service or ServiceEntry. */
function portsOf(r: Resource): number[] {
  return asList(r.object.spec?.ports).map((p: any) => Number(r.kind === 'Service' ? p?.port : p?.number));
}

export const destinationHosts: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'Checks VirtualService destinations and mirrors reach a visible Service or ServiceEntry, on a port it has (or name one where it has several); subsets on ingress routes',
  reads: ['VirtualService', 'Service', 'ServiceEntry'],
  reports: [MESSAGES.ReferencedResourceNotFound, MESSAGES.VirtualServiceDestinationPortSelectorRequired, MESSAGES.IngressRouteRulesNotAffected],
  run(s, report) {
    const virtualServices = s.of('VirtualService');
    for (const vs of virtualServices) {
      const exportTo: string[] = asList(vs.object.spec?.exportTo).map(String);
      for (const d of destinations(vs)) {
        const target = s.lookupDestination(d.host, vs.namespace, exportTo);
        if (!target) {
          report(MESSAGES.ReferencedResourceNotFound, vs, d.path, d.mirror ? 'mirror host' : 'host', d.host);
          continue;
        }
        const ports = portsOf(target);
        if (d.port === undefined) {
          if (ports.length > 1) report(MESSAGES.VirtualServiceDestinationPortSelectorRequired, vs, d.path.slice(0, -1), d.host, ports);
        } else if (!ports.includes(d.port)) {
          report(MESSAGES.ReferencedResourceNotFound, vs, d.path.slice(0, -1).concat('port'), 'host:port', `${d.host}:${d.port}`);
        }
      }
    }
    // Istio's IngressRouteRulesNotAffected: a gateway-bound route without a subset, to a host another VirtualService splits by subset
    const subsetted = new Map<Resource, Set<string>>();
    for (const vs of virtualServices) {
      const hosts = new Set(asList(vs.object.spec?.hosts).map(String));
      for (const r of asList(vs.object.spec?.http)) {
        for (const rt of asList(r?.route)) {
          const h = rt?.destination?.host;
          if (rt?.destination?.subset && hosts.has(h)) subsetted.set(vs, (subsetted.get(vs) ?? new Set()).add(h));
        }
      }
    }
    for (const vs of virtualServices) {
      if (asList(vs.object.spec?.gateways).length === 0) continue;
      asList(vs.object.spec?.http).forEach((r: any, i: number) => {
        asList(r?.route).forEach((rt: any, j: number) => {
          if (rt?.destination?.subset) return;
          for (const [other, hosts] of subsetted) {
            if (hosts.has(rt?.destination?.host)) {
              report(MESSAGES.IngressRouteRulesNotAffected, vs, ['spec', 'http', i, 'route', j, 'destination', 'host'], `${other.namespace}/${other.name}`, `${vs.namespace}/${vs.name}`);
            }
          }
        });
      });
    }
  },
};

export const destinationRules: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'Checks the subsets VirtualServices route to are defined by a DestinationRule',
  reads: ['VirtualService', 'DestinationRule'],
  reports: [MESSAGES.ReferencedResourceNotFound],
  run(s, report) {
    const wildcardRules = s.of('DestinationRule').filter((dr) => typeof dr.object.spec?.host === 'string' && dr.object.spec.host.includes('*'));
    const defines = (dr: Resource, subset: string) => asList(dr.object.spec?.subsets).some((x: any) => x?.name === subset);
    for (const vs of s.of('VirtualService')) {
      for (const d of destinations(vs)) {
        if (!d.subset) continue;
        const host = istioFqdn(d.host, vs.namespace);
        const defined = s.destinationRulesFor(host).some((dr) => defines(dr, d.subset!)) ||
          wildcardRules.some((dr) => hostMatches(dr.object.spec.host, host) && defines(dr, d.subset!));
        // at the destination's host, where Istio's analyzer puts it
        if (!defined) report(MESSAGES.ReferencedResourceNotFound, vs, d.path, d.mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule', `${d.host}+${d.subset}`);
      }
    }
  },
};

/** Istio's host overlap: either side may be a wildcard (`*.example.com`, `*`). */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** The hosts of a gateway's servers that a VirtualService of `namespace` may bind (`./h`, `ns/h`, `*\/h` forms). */
function gatewayHostsFor(gw: Resource, namespace: string): string[] {
  const out: string[] = [];
  for (const server of asList(gw.object.spec?.servers)) {
    for (const h of asList(server?.hosts).map(String)) {
      if (!h.includes('/')) {
        out.push(h);
        continue;
      }
      const [ns, name] = [h.slice(0, h.indexOf('/')), h.slice(h.indexOf('/') + 1)];
      if (ns === '*' || ns === namespace || (ns === '.' && gw.namespace === namespace)) out.push(name);
    }
  }
  return out;
}

/** A reference to the internal Gateway Istio generates for a Kubernetes Gateway. */
const isInternalGateway = (ref: string) => (ref.includes('/') ? ref.slice(ref.indexOf('/') + 1) : ref).includes('~istio-autogenerated-k8s-gateway~');

export const gatewayReferences: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'Checks the gateways VirtualServices bind to exist, are not internal, and serve their hosts',
  reads: ['VirtualService', 'Gateway'],
  reports: [MESSAGES.ReferencedInternalGateway, MESSAGES.ReferencedResourceNotFound, MESSAGES.VirtualServiceHostNotFoundInGateway],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      const hosts: string[] = asList(vs.object.spec?.hosts).map(String);
      asList(vs.object.spec?.gateways).forEach((ref: string, i: number) => {
        if (ref === 'mesh') return;
        const path = ['spec', 'gateways', i];
        if (isInternalGateway(ref)) {
          report(MESSAGES.ReferencedInternalGateway, vs, path, `${vs.namespace}/${vs.name}`, ref);
          return;
        }
        const gw = findGateway(s, vs, ref);
        if (!gw) report(MESSAGES.ReferencedResourceNotFound, vs, path, 'gateway', ref);
        // as Istio: a gateway that does not exist serves none of the hosts either
        const served = gw ? gatewayHostsFor(gw, vs.namespace) : [];
        if (!served.some((g) => hosts.some((h) => hostsOverlap(g, h)))) {
          const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vs.namespace, ref];
          report(MESSAGES.VirtualServiceHostNotFoundInGateway, vs, path, hosts, `${vs.namespace}/${vs.name}`, `${ns}/${name}`);
        }
      });
    }
  },
};

/** A header that routes on a JWT claim (`@request.auth.claims.x` or `@request.auth.claims[x]`). */
export function jwtClaimHeader(key: string): boolean {
  if (!key.toLowerCase().startsWith('@request.auth.claims')) return false;
  const rest = key.slice('@request.auth.claims'.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

export const jwtClaimRoutes: Analyzer = {
  name: 'virtualservice.JWTClaimRouteAnalyzer',
  description: 'Checks VirtualServices that route on JWT claims at a gateway have a RequestAuthentication for the gateway\'s pods',
  reads: ['VirtualService', 'Gateway', 'Pod', 'RequestAuthentication'],
  reports: [MESSAGES.JwtClaimBasedRoutingWithoutRequestAuthN],
  run(s, report) {
    const raByNs = new Map<string, Record<string, string>[]>();
    for (const ra of s.of('RequestAuthentication')) raByNs.set(ra.namespace, [...(raByNs.get(ra.namespace) ?? []), ra.object.spec?.selector?.matchLabels ?? {}]);
    for (const vs of s.of('VirtualService')) {
      const key = asList(vs.object.spec?.http).flatMap((r: any) => asList(r?.match))
        .flatMap((m: any) => [...Object.keys(m?.headers ?? {}), ...Object.keys(m?.withoutHeaders ?? {})]).find(jwtClaimHeader);
      if (!key) continue;
      for (const ref of asList(vs.object.spec?.gateways).map(String)) {
        if (ref === 'mesh') continue;
        const gw = findGateway(s, vs, ref);
        if (!gw) continue;
        const sel: Record<string, string> = gw.object.spec?.selector ?? {};
        for (const pod of s.selected(sel)) {
          const l = pod.object.metadata.labels ?? {};
          const selectors = [...(raByNs.get(s.meshConfig.rootNamespace) ?? []), ...(raByNs.get(pod.namespace) ?? [])];
          if (!selectors.some((m) => labelsMatch(m, l))) {
            report(MESSAGES.JwtClaimBasedRoutingWithoutRequestAuthN, vs, ['spec', 'http'], key, `${gw.namespace}/${gw.name}`, pod.name);
          }
        }
      }
    }
  },
};

export const conflictingMeshHosts: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'Checks no two VirtualServices bound to the mesh and visible to the same namespace define the same host',
  reads: ['VirtualService'],
  reports: [MESSAGES.ConflictingMeshGatewayVirtualServiceHosts],
  run(s, report) {
    // `scope/fqdn` → VirtualServices, the scope being `*` or a namespace the VirtualService is exported to
    const byHost = new Map<string, { scope: string; host: string; list: Resource[] }>();
    for (const vs of s.of('VirtualService')) {
      if (!gatewaysOf(vs).includes('mesh')) continue;
      const exportTo: string[] = asList(vs.object.spec?.exportTo).map(String);
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? vs.namespace : e)))];
      for (const scope of scopes) {
        for (const h of asList(vs.object.spec?.hosts)) {
          const host = istioFqdn(String(h), vs.namespace);
          const key = `${scope}/${host}`;
          const entry = byHost.get(key) ?? { scope, host, list: [] };
          byHost.set(key, entry);
          entry.list.push(vs);
        }
      }
    }
    const visibleToAll = [...byHost.values()].filter((e) => e.scope === '*');
    const reported = new Set<Resource>();
    for (const [key, { scope, host, list: own }] of byHost) {
      // a host exported to one namespace also conflicts with the VirtualServices of a matching host exported to all
      const list = scope === '*' ? own : [...own, ...visibleToAll.filter((e) => hostsOverlap(host, e.host)).flatMap((e) => e.list)];
      if (list.length < 2) continue;
      // one message per VirtualService, as istioctl; where istioctl names every party in every message (5,000
      // VirtualServices of one host: 25 million names), the list stops after ten, so output grows with the resources
      const names = partiesList(list.map((v) => `${v.namespace}/${v.name}`).sort());
      for (const vs of list) {
        if (reported.has(vs)) continue;
        reported.add(vs);
        report(MESSAGES.ConflictingMeshGatewayVirtualServiceHosts, vs, ['metadata', 'name'], names, key);
      }
    }
  },
};

/** A match as Istio compares them: its JSON without the name, keys in a stable order. */
function matchKey(m: any): string {
  const canonical = (v: any): any => (Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object'
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
  const { name: _name, ...rest } = m && typeof m === 'object' ? m : { value: m };
  return JSON.stringify(canonical(rest));
}

const exactOrPrefix = (sm: any) => (sm?.exact ? `exact:${sm.exact}` : sm?.prefix ? `prefix:${sm.prefix}` : '');

/** What Istio compares of an http match with a uri prefix, to find an earlier one that covers a later one. */
interface PrefixMatch {
  rule: string;
  match: string;
  prefix: string;
  port: unknown;
  method: string;
  authority: string;
  tables: Record<string, string>[];
}

function prefixMatch(m: any, rule: string, match: string): PrefixMatch | undefined {
  const prefix = m?.uri?.prefix;
  if (typeof prefix !== 'string' || prefix === '') return undefined;
  const table = (t: any) => Object.fromEntries(Object.entries(t ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
  return {
    rule, match, prefix, port: m.port ?? 0, method: exactOrPrefix(m.method) || 'exact:GET', authority: exactOrPrefix(m.authority),
    tables: [table(m.headers), table(m.queryParams), table(m.withoutHeaders)],
  };
}

/** Istio's coveredValidation: `a` (earlier) matches everything `b` (later) matches. */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  const within = (x: string, y: string) => x === y || x.startsWith(y);
  if (!within(a.method, b.method) || !within(a.authority, b.authority)) return false;
  return a.tables.every((ta, i) => {
    const tb = b.tables[i];
    return Object.keys(ta).length === Object.keys(tb).length && Object.entries(ta).every(([k, v]) => k in tb && within(v, tb[k]));
  });
}

export const unreachableRules: Analyzer = {
  name: 'virtualservice.ConflictingRuleAnalyzer',
  description: 'Checks for http, tcp and tls rules that can never match (after a rule without matches, or all of whose matches earlier rules have), and matches an earlier one covers',
  reads: ['VirtualService'],
  reports: [MESSAGES.VirtualServiceUnreachableRule, MESSAGES.VirtualServiceIneffectiveMatch],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      for (const section of ['http', 'tcp', 'tls'] as const) {
        const rules: any[] = asList(vs.object.spec?.[section]);
        // Istio names an http rule or match by its name, quoted, else by its index
        const ruleName = (r: any, i: number) => (section === 'http' && r?.name ? JSON.stringify(r.name) : `#${i}`);
        const matchName = (m: any, k: number) => (section === 'http' && m?.name ? JSON.stringify(m.name) : `#${k}`);
        const seen = new Map<string, number>();
        const prefixes: PrefixMatch[] = [];
        let catchAll = -1;
        rules.forEach((r, i) => {
          if (!r) return;
          const path = ['spec', section, i];
          const matches: any[] = asList(r.match);
          if (matches.length === 0) {
            if (catchAll >= 0) report(MESSAGES.VirtualServiceUnreachableRule, vs, path, ruleName(r, i), 'only the last rule can have no matches');
            catchAll = i;
            return;
          }
          let duplicates = 0;
          matches.forEach((m, k) => {
            if (catchAll >= 0) {
              report(MESSAGES.VirtualServiceUnreachableRule, vs, path, ruleName(r, i), 'route without matches defined before');
              return;
            }
            const key = matchKey(m);
            const dup = seen.get(key);
            if (dup !== undefined) {
              report(MESSAGES.VirtualServiceIneffectiveMatch, vs, [...path, 'match', k], ruleName(r, i), matchName(m, k), ruleName(rules[dup], dup));
              duplicates++;
              return;
            }
            seen.set(key, i);
            const pm = section === 'http' ? prefixMatch(m, ruleName(r, i), matchName(m, k)) : undefined;
            if (pm) prefixes.push(Object.assign(pm, { path: [...path, 'match', k] }));
          });
          if (duplicates === matches.length) report(MESSAGES.VirtualServiceUnreachableRule, vs, path, ruleName(r, i), 'all matches used by prior rules');
        });
        // a later uri prefix match that an earlier, broader one covers
        prefixes.forEach((a, x) => {
          for (const b of prefixes.slice(x + 1)) {
            if (b.prefix !== a.prefix && covers(a, b)) {
              report(MESSAGES.VirtualServiceIneffectiveMatch, vs, (b as any).path, b.rule, `${b.match} of prefix ${b.prefix}`, `${a.match} of prefix ${a.prefix} on ${a.rule}`);
            }
          }
        });
      }
    }
  },
};

export const VIRTUAL_SERVICE_ANALYZERS = [destinationHosts, destinationRules, gatewayReferences, conflictingMeshHosts, unreachableRules, jwtClaimRoutes];
