/** VirtualService analyzers: destinations, subsets, gateways, conflicts, unreachable rules, ports. */
import { isDeepStrictEqual } from 'node:util';
import { asList } from '../../manifests/object.js';
import type { Analyzer } from '../analyzer.js';
import { MESSAGES, partiesList } from '../messages.js';
import { fqdn, hostMatches, type Resource, type Snapshot } from '../snapshot.js';

interface Dest {
  host: string;
  subset?: string;
  port?: number;
  weight?: number;
  path: (string | number)[];
}

/** Every destination of a VirtualService (http, tcp, tls routes and mirrors), with its field path. */
export function destinations(vs: Resource): Dest[] {
  const out: Dest[] = [];
  const spec = vs.object.spec ?? {};
  for (const section of ['http', 'tcp', 'tls']) {
    asList(spec[section]).forEach((r: any, i: number) => {
      asList(r?.route).forEach((d: any, j: number) => {
        if (typeof d?.destination?.host === 'string') {
          out.push({ host: d.destination.host, subset: d.destination.subset, port: d.destination.port?.number, weight: d.weight, path: ['spec', section, i, 'route', j, 'destination', 'host'] });
        }
      });
      if (typeof r?.mirror?.host === 'string') out.push({ host: r.mirror.host, subset: r.mirror.subset, port: r.mirror.port?.number, path: ['spec', section, i, 'mirror', 'host'] });
    });
  }
  return out;
}

function gatewaysOf(vs: Resource): string[] {
  const g = vs.object.spec?.gateways;
  return Array.isArray(g) && g.length > 0 ? g : ['mesh'];
}

/** The Gateway a VirtualService names (`gw`, `ns/gw`), if present. */
function findGateway(s: Snapshot, vs: Resource, ref: string): Resource | undefined {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vs.namespace, ref];
  return s.of('Gateway').find((g) => g.name === name && g.namespace === ns);
}

export const destinationHosts: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'Checks the destination hosts of VirtualServices exist (Services or ServiceEntries)',
  inputs: ['VirtualService', 'Service'],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      for (const d of destinations(vs)) {
        if (!s.lookupHost(d.host, vs.namespace)) report(MESSAGES.ReferencedResourceNotFound, vs, d.path, 'host', d.host);
      }
    }
  },
};

export const destinationRules: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'Checks the subsets VirtualServices route to are defined by a DestinationRule',
  inputs: ['VirtualService', 'DestinationRule'],
  run(s, report) {
    const wildcardRules = s.of('DestinationRule').filter((dr) => typeof dr.object.spec?.host === 'string' && dr.object.spec.host.includes('*'));
    const defines = (dr: Resource, subset: string) => asList(dr.object.spec?.subsets).some((x: any) => x?.name === subset);
    for (const vs of s.of('VirtualService')) {
      for (const d of destinations(vs)) {
        if (!d.subset) continue;
        const host = fqdn(d.host, vs.namespace);
        const defined = s.destinationRulesFor(host).some((dr) => defines(dr, d.subset!)) ||
          wildcardRules.some((dr) => hostMatches(dr.object.spec.host, host) && defines(dr, d.subset!));
        if (!defined) report(MESSAGES.ReferencedResourceNotFound, vs, d.path.slice(0, -1).concat('subset'), 'host+subset in destinationrule', `${d.host}+${d.subset}`);
      }
    }
  },
};

export const gatewayReferences: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'Checks the gateways VirtualServices bind to exist, and that their hosts are served by those gateways',
  inputs: ['VirtualService'],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      gatewaysOf(vs).forEach((ref, i) => {
        if (ref === 'mesh') return;
        const gw = findGateway(s, vs, ref);
        if (!gw) {
          report(MESSAGES.ReferencedResourceNotFound, vs, ['spec', 'gateways', i], 'gateway', ref);
          return;
        }
        const gwHosts: string[] = asList(gw.object.spec?.servers).flatMap((sv: any) => asList(sv?.hosts))
          .map((h: string) => (h.includes('/') ? h.split('/')[1] : h));
        const missing = asList(vs.object.spec?.hosts).filter((h: string) => !gwHosts.some((g) => hostMatches(g, h) || hostMatches(h, g)));
        if (missing.length > 0) report(MESSAGES.VirtualServiceHostNotFoundInGateway, vs, ['spec', 'hosts'], JSON.stringify(missing), `${vs.name}.${vs.namespace}`, `${gw.name}.${gw.namespace}`);
      });
    }
  },
};

export const conflictingMeshHosts: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'Checks no two VirtualServices bound to the mesh define the same host',
  inputs: ['VirtualService'],
  run(s, report) {
    const byHost = new Map<string, Resource[]>();
    for (const vs of s.of('VirtualService')) {
      if (!gatewaysOf(vs).includes('mesh')) continue;
      for (const h of asList(vs.object.spec?.hosts)) {
        const key = fqdn(String(h), vs.namespace);
        const list = byHost.get(key);
        if (list) list.push(vs);
        else byHost.set(key, [vs]);
      }
    }
    for (const [host, list] of byHost) {
      if (list.length < 2) continue;
      // one message per VirtualService, as istioctl; but where istioctl names every party in every message
      // (5,000 VirtualServices of one host: 25 million names), the list stops after a few, so the output grows
      // with the resources, not with the pairs
      const names = partiesList(list.map((v) => `${v.namespace}/${v.name}`));
      for (const vs of list) report(MESSAGES.ConflictingMeshGatewayVirtualServiceHosts, vs, ['spec', 'hosts'], names, host);
    }
  },
};

export const destinationPorts: Analyzer = {
  name: 'virtualservice.DestinationPortAnalyzer',
  description: 'Checks destinations of gateway-bound VirtualServices name a port when their Service has several',
  inputs: ['VirtualService', 'Service'],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      if (isDeepStrictEqual(gatewaysOf(vs), ['mesh'])) continue;
      for (const d of destinations(vs)) {
        if (d.port !== undefined) continue;
        const svc = s.lookupHost(d.host, vs.namespace);
        if (svc?.kind !== 'Service') continue;
        const ports = asList(svc.object.spec?.ports);
        if (ports.length > 1) report(MESSAGES.VirtualServiceDestinationPortSelectorRequired, vs, d.path.slice(0, -1), d.host, `[${ports.map((p: any) => p.port).join(' ')}]`);
      }
    }
  },
};

export const unreachableRules: Analyzer = {
  name: 'virtualservice.ConflictingRuleAnalyzer',
  description: 'Checks for HTTP rules that can never match: after a catch-all rule, or with a match an earlier rule already has',
  inputs: ['VirtualService'],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      const http: any[] = asList(vs.object.spec?.http);
      const seen: { match: unknown; rule: number }[] = [];
      let catchAll = -1;
      http.forEach((r, i) => {
        const label = r?.name ?? String(i);
        const matches: any[] = asList(r?.match);
        if (catchAll !== -1) {
          report(MESSAGES.VirtualServiceUnreachableRule, vs, ['spec', 'http', i], label, `rule ${http[catchAll]?.name ?? catchAll} matches every request before it`);
          return;
        }
        if (matches.length === 0 || matches.some((m) => m && Object.keys(m).filter((k) => k !== 'name').length === 0)) {
          catchAll = i;
          return;
        }
        // like Istio: each duplicate match is ineffective; a rule whose matches are all duplicates is unreachable
        const dups = matches.map((m, k) => ({ k, earlier: seen.find((x) => isDeepStrictEqual(stripName(x.match), stripName(m))) })).filter((x) => x.earlier);
        for (const d of dups) report(MESSAGES.VirtualServiceIneffectiveMatch, vs, ['spec', 'http', i, 'match', d.k], label, d.k, d.earlier!.rule);
        if (dups.length === matches.length) report(MESSAGES.VirtualServiceUnreachableRule, vs, ['spec', 'http', i], label, 'all of its matches are matched by earlier rules');
        for (const m of matches) seen.push({ match: m, rule: i });
      });
    }
  },
};

function stripName(m: any): any {
  if (!m || typeof m !== 'object') return m;
  const { name: _name, ...rest } = m;
  return rest;
}

export const VIRTUAL_SERVICE_ANALYZERS = [destinationHosts, destinationRules, gatewayReferences, conflictingMeshHosts, destinationPorts, unreachableRules];
