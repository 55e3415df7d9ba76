/** Gateway analyzers: conflicting gateways, ports the gateway Service does not expose. */
import type { Analyzer } from '../analyzer.js';
import { MESSAGES } from '../messages.js';
import { hostMatches, labelsMatch, type Resource } from '../snapshot.js';

function selectorKey(sel: Record<string, string>): string {
  return Object.entries(sel).sort().map(([k, v]) => `${k}=${v}`).join(',');
}

export const conflictingGateways: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Checks no two Gateways with the same selector listen on the same port for the same host',
  inputs: ['Gateway'],
  run(s, report) {
    const seen = new Map<string, { gw: Resource; hosts: string[] }[]>();
    for (const gw of s.of('Gateway')) {
      const sel = gw.object.spec?.selector;
      if (!sel || typeof sel !== 'object') continue;
      for (const server of Array.isArray(gw.object.spec?.servers) ? gw.object.spec.servers : []) {
        const key = `${selectorKey(sel)}|${server?.port?.number}`;
        const hosts: string[] = (Array.isArray(server?.hosts) ? server.hosts : []).map((h: string) => (h.includes('/') ? h.split('/')[1] : h));
        const list = seen.get(key) ?? [];
        for (const other of list) {
          if (other.gw === gw) continue;
          const overlap = hosts.filter((h) => other.hosts.some((o) => hostMatches(o, h) || hostMatches(h, o)));
          if (overlap.length > 0) report(MESSAGES.ConflictingGateways, gw, ['spec', 'servers'], `${other.gw.namespace}/${other.gw.name}`, selectorKey(sel), server.port.number, overlap.join(','));
        }
        list.push({ gw, hosts });
        seen.set(key, list);
      }
    }
  },
};

export const gatewayPorts: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Checks the ports a Gateway listens on are exposed by the Service of its gateway workload',
  inputs: ['Gateway'],
  run(s, report) {
    for (const gw of s.of('Gateway')) {
      const sel = gw.object.spec?.selector;
      if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) continue;
      const pods = s.of('Pod').filter((p) => labelsMatch(sel, p.object.metadata.labels));
      // files-only analysis assumes the default ingress gateway (istio: ingressgateway in istio-system) exists
      if (pods.length === 0) continue;
      const services = s.of('Service').filter((svc) => pods.some((p) => p.namespace === svc.namespace && labelsMatch(svc.object.spec?.selector, p.object.metadata.labels)));
      if (services.length === 0) continue;
      const targetPorts = new Set<number>();
      for (const svc of services) {
        for (const p of Array.isArray(svc.object.spec?.ports) ? svc.object.spec.ports : []) {
          targetPorts.add(Number(p.port));
          if (typeof p.targetPort === 'number') targetPorts.add(p.targetPort);
        }
      }
      (Array.isArray(gw.object.spec?.servers) ? gw.object.spec.servers : []).forEach((server: any, i: number) => {
        const port = server?.port?.number;
        if (typeof port === 'number' && !targetPorts.has(port)) report(MESSAGES.GatewayPortNotDefinedOnService, gw, ['spec', 'servers', i, 'port'], port, selectorKey(sel));
      });
    }
  },
};

export const GATEWAY_ANALYZERS = [conflictingGateways, gatewayPorts];
