/** Gateway analyzers: conflicting gateways, ports the gateway Service does not expose. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES, partiesList } from '../messages.js';
import { hostMatches, labelsMatch, type Resource } from '../snapshot.js';

function selectorKey(sel: Record<string, string>): string {
  return Object.entries(sel).sort().map(([k, v]) => `${k}=${v}`).join(',');
}

export const conflictingGateways: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Checks no two Gateways with the same selector listen on the same port for the same host',
  inputs: ['Gateway'],
  run(s, report) {
    // per selector and port: exact hosts in a map, wildcard hosts in a list, so each host is checked in about constant time
    const seen = new Map<string, { exact: Map<string, Resource>; wild: { host: string; gw: Resource }[] }>();
    for (const gw of s.of('Gateway')) {
      const sel = gw.object.spec?.selector;
      if (!sel || typeof sel !== 'object') continue;
      for (const server of asList(gw.object.spec?.servers)) {
        const key = `${selectorKey(sel)}|${server?.port?.number}`;
        const hosts: string[] = asList(server?.hosts).map((h: string) => (h.includes('/') ? h.split('/')[1] : h));
        let entry = seen.get(key);
        if (!entry) seen.set(key, (entry = { exact: new Map(), wild: [] }));
        const conflicts = new Map<Resource, string[]>();
        const add = (other: Resource, host: string) => {
          if (other !== gw) conflicts.set(other, [...(conflicts.get(other) ?? []), host]);
        };
        for (const h of hosts) {
          if (h.includes('*')) {
            for (const [eh, other] of entry.exact) if (hostMatches(h, eh)) add(other, h);
          } else {
            const other = entry.exact.get(h);
            if (other) add(other, h);
          }
          for (const w of entry.wild) if (hostMatches(w.host, h) || hostMatches(h, w.host)) add(w.gw, h);
        }
        // one message per gateway and server, naming the gateways it conflicts with (as istioctl's plural says)
        if (conflicts.size > 0) {
          const others = partiesList([...conflicts.keys()].map((o) => `${o.namespace}/${o.name}`));
          const overlap = [...new Set([...conflicts.values()].flat())].join(',');
          report(MESSAGES.ConflictingGateways, gw, ['spec', 'servers'], others, selectorKey(sel), server.port.number, overlap);
        }
        for (const h of hosts) {
          if (h.includes('*')) entry.wild.push({ host: h, gw });
          else if (!entry.exact.has(h)) entry.exact.set(h, gw);
        }
      }
    }
  },
};

export const gatewayPorts: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Checks the ports a Gateway listens on are exposed by the Service of its gateway workload',
  inputs: ['Gateway'],
  run(s, report) {
    // the ports of the Services in front of the pods a selector picks, computed once per distinct selector
    const portsBySelector = new Map<string, Set<number> | undefined>();
    const portsFor = (sel: Record<string, string>): Set<number> | undefined => {
      const key = selectorKey(sel);
      if (portsBySelector.has(key)) return portsBySelector.get(key);
      const pods = s.of('Pod').filter((p) => labelsMatch(sel, p.object.metadata.labels));
      const services = pods.length === 0 ? [] : s.of('Service').filter((svc) => pods.some((p) => p.namespace === svc.namespace && labelsMatch(svc.object.spec?.selector, p.object.metadata.labels)));
      let ports: Set<number> | undefined;
      if (services.length > 0) {
        ports = new Set<number>();
        for (const svc of services) {
          for (const p of asList(svc.object.spec?.ports)) {
            ports.add(Number(p.port));
            if (typeof p.targetPort === 'number') ports.add(p.targetPort);
          }
        }
      }
      portsBySelector.set(key, ports);
      return ports;
    };
    for (const gw of s.of('Gateway')) {
      const sel = gw.object.spec?.selector;
      if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) continue;
      // no pods (files-only analysis assumes the default ingress gateway exists) or no Service: nothing to compare
      const targetPorts = portsFor(sel);
      if (!targetPorts) continue;
      asList(gw.object.spec?.servers).forEach((server: any, i: number) => {
        const port = server?.port?.number;
        if (typeof port === 'number' && !targetPorts.has(port)) report(MESSAGES.GatewayPortNotDefinedOnService, gw, ['spec', 'servers', i, 'port'], port, selectorKey(sel));
      });
    }
  },
};

export const GATEWAY_ANALYZERS = [conflictingGateways, gatewayPorts];
