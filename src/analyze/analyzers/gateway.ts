/** Gateway analyzers: conflicting gateways, ports the gateway Service does not expose. */
import { X509Certificate } from 'node:crypto';
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES, partiesList } from '../messages.js';
import { hostMatches, labelsMatch, type Resource, type Snapshot } from '../snapshot.js';
import { selectorString } from './sidecar.js';

function selectorKey(sel: Record<string, string>): string {
  return Object.entries(sel).sort().map(([k, v]) => `${k}=${v}`).join(',');
}

export const conflictingGateways: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Checks no two Gateways with the same selector listen on the same port for the same host',
  reads: ['Gateway'],
  reports: [MESSAGES.ConflictingGateways],
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
  reads: ['Gateway', 'Pod', 'Service'],
  reports: [MESSAGES.GatewayPortNotDefinedOnService],
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

/** Every key of `x` is in `y` with the same value (Istio's selectorSubset). */
function selectorSubset(x: Record<string, string>, y: Record<string, string> | undefined): boolean {
  return Object.entries(x).every(([k, v]) => y?.[k] === v);
}

function sameCertificate(a: any, b: any): boolean {
  if (a.credentialName && b.credentialName) return a.credentialName === b.credentialName;
  if (!a.credentialName && !b.credentialName && a.serverCertificate && a.serverCertificate === b.serverCertificate) {
    return Boolean(a.privateKey && b.privateKey && a.privateKey === b.privateKey);
  }
  return false;
}

export const duplicateCertificates: Analyzer = {
  name: 'gateway.CertificateAnalyzer',
  description: 'Checks two Gateways on the same workloads do not serve the same certificate (HTTP/2 connection reuse then gives 404s)',
  reads: ['Gateway'],
  reports: [MESSAGES.GatewayDuplicateCertificate],
  run(s, report) {
    // PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off by default: gateways of every namespace are compared
    const gateways = s.of('Gateway');
    for (const gw of gateways) {
      const sel: Record<string, string> = gw.object.spec?.selector ?? {};
      for (const other of gateways) {
        if (other === gw || (Object.keys(sel).length > 0 && !selectorSubset(sel, other.object.spec?.selector))) continue;
        for (const a of asList(gw.object.spec?.servers)) {
          for (const b of asList(other.object.spec?.servers)) {
            if (a?.tls && b?.tls && sameCertificate(a.tls, b.tls)) {
              report(MESSAGES.GatewayDuplicateCertificate, gw, ['metadata', 'name'], [`${gw.namespace}/${gw.name}`, `${other.namespace}/${other.name}`]);
            }
          }
        }
      }
    }
  },
};

/** The certificate of a TLS Secret parses and is within its validity period. */
export function validCertificateSecret(secret: Resource): boolean {
  const data = (secret.object.data ?? {}) as Record<string, unknown>;
  const cert = data['tls.crt'] ?? data.cert;
  const key = data['tls.key'] ?? data.key;
  if (typeof cert !== 'string' || typeof key !== 'string') return false;
  try {
    const x = new X509Certificate(Buffer.from(cert, 'base64'));
    const now = Date.now();
    return new Date(x.validFrom).getTime() <= now && now <= new Date(x.validTo).getTime();
  } catch {
    return false;
  }
}

/** The namespace of the first pod a gateway selector picks (where its credentials are read). */
function gatewayNamespace(s: Snapshot, sel: Record<string, string>): string | undefined {
  return s.of('Pod').find((p) => labelsMatch(sel, p.object.metadata.labels))?.namespace;
}

export const gatewaySecrets: Analyzer = {
  name: 'gateway.SecretAnalyzer',
  description: 'Checks a Gateway selects a workload, and the credentialName of its TLS servers names a valid certificate Secret in that workload\'s namespace',
  reads: ['Gateway', 'Pod', 'Secret'],
  reports: [MESSAGES.ReferencedResourceNotFound, MESSAGES.InvalidGatewayCredential],
  run(s, report) {
    const secrets = new Map(s.of('Secret').map((r) => [`${r.namespace}/${r.name}`, r]));
    for (const gw of s.of('Gateway')) {
      const sel: Record<string, string> = gw.object.spec?.selector ?? {};
      const ns = gatewayNamespace(s, sel);
      if (ns === undefined) {
        report(MESSAGES.ReferencedResourceNotFound, gw, ['spec', 'selector'], 'selector', selectorString(sel));
        continue;
      }
      asList(gw.object.spec?.servers).forEach((srv: any, i: number) => {
        const cn = srv?.tls?.credentialName;
        if (!cn) return;
        const secret = secrets.get(cn.includes('/') ? cn : `${ns}/${cn}`);
        const path = ['spec', 'servers', i, 'tls', 'credentialName'];
        if (!secret) report(MESSAGES.ReferencedResourceNotFound, gw, path, 'credentialName', cn);
        else if (!validCertificateSecret(secret)) report(MESSAGES.InvalidGatewayCredential, gw, path, gw.name, ns);
      });
    }
  },
};

export const GATEWAY_ANALYZERS = [conflictingGateways, gatewayPorts, duplicateCertificates, gatewaySecrets];
