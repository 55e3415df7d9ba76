/** Gateway analyzers: conflicting gateways, ports the gateway Service does not expose. */
import { X509Certificate } from 'node:crypto';
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES, partiesList } from '../messages.js';
import { labelsMatch, type Resource, type Snapshot } from '../snapshot.js';
import { selectorString } from './shared.js';

export const conflictingGateways: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Checks no two Gateways on the same workloads (same selector, or selectors that pick the same pods) bind one port and host twice',
  reads: ['Gateway', 'Pod'],
  reports: [MESSAGES.ConflictingGateways],
  run(s, report) {
    // selector|port → `host|bind` → the gateways with a server for that host on that port
    const groups = new Map<string, { selector: string; port: string; byHost: Map<string, Set<Resource>> }>();
    const serverKey = (h: string, server: any) => `${h}|${server?.bind ?? ''}`;
    // each selector as written, by its string form
    const labelsOf = new Map<string, Record<string, string>>();
    for (const gw of s.of('Gateway')) {
      const selector = selectorString(gw.object.spec?.selector ?? {});
      labelsOf.set(selector, gw.object.spec?.selector ?? {});
      for (const server of asList(gw.object.spec?.servers)) {
        const port = String(server?.port?.number ?? 0);
        const key = `${selector}~${port}`;
        const group = groups.get(key) ?? { selector, port, byHost: new Map() };
        groups.set(key, group);
        for (const h of asList(server?.hosts)) {
          const k = serverKey(String(h), server);
          const set = group.byHost.get(k) ?? new Set<Resource>();
          group.byHost.set(k, set.add(gw));
        }
      }
    }
    // two selectors meet when they are equal, or one contains the other and some pod matches both (as Istio)
    const meets = new Map<string, boolean>();
    const selectorsMeet = (a: string, b: string) => {
      if (a === b) return true;
      if (!a.includes(b) && !b.includes(a)) return false;
      const key = `${a}\n${b}`;
      if (!meets.has(key)) {
        const sb = labelsOf.get(b)!;
        meets.set(key, s.selected(labelsOf.get(a)!).some((p) => labelsMatch(sb, p.object.metadata.labels)));
      }
      return meets.get(key)!;
    };
    for (const gw of s.of('Gateway')) {
      const selector = selectorString(gw.object.spec?.selector ?? {});
      asList(gw.object.spec?.servers).forEach((server: any, i: number) => {
        const port = String(server?.port?.number ?? 0);
        const mine = asList(server?.hosts).map((h: unknown) => serverKey(String(h), server));
        const others = new Set<Resource>();
        for (const group of groups.values()) {
          if (group.port !== port || !selectorsMeet(selector, group.selector)) continue;
          for (const h of mine) for (const other of group.byHost.get(h) ?? []) if (other !== gw) others.add(other);
        }
        if (others.size === 0) return;
        // every party of a conflict is reported, naming the others (ten, then a count)
        const names = partiesList([...others].map((o) => `${o.namespace}/${o.name}`).sort());
        report(MESSAGES.ConflictingGateways, gw, ['spec', 'servers', i], names, selector, port, asList(server?.hosts).join(','));
      });
    }
  },
};

export const gatewayPorts: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Checks a Gateway selects a workload, and the ports it listens on are exposed by the Services of that workload',
  reads: ['Gateway', 'Pod', 'Service'],
  reports: [MESSAGES.ReferencedResourceNotFound, MESSAGES.GatewayPortNotDefinedOnService],
  run(s, report) {
    // the ports of the Services in front of the pods a selector picks, computed once per distinct selector
    const bySelector = new Map<string, { pods: number; ports: Set<number> }>();
    const portsFor = (sel: Record<string, string>) => {
      const key = selectorString(sel);
      let entry = bySelector.get(key);
      if (entry) return entry;
      entry = { pods: 0, ports: new Set<number>() };
      for (const pod of s.selected(sel)) {
        const labels = pod.object.metadata.labels;
        entry.pods++;
        for (const svc of s.of('Service')) {
          if (svc.namespace !== pod.namespace || !labelsMatch(svc.object.spec?.selector ?? {}, labels)) continue;
          for (const p of asList(svc.object.spec?.ports)) {
            if ((p?.protocol ?? 'TCP') !== 'TCP') continue;
            // a server port is served when it is a target port, or a Service port (that maps to one)
            if (typeof p.targetPort === 'number' && p.targetPort !== 0) entry.ports.add(p.targetPort);
            entry.ports.add(Number(p.port));
          }
        }
      }
      bySelector.set(key, entry);
      return entry;
    };
    for (const gw of s.of('Gateway')) {
      const sel: Record<string, string> = gw.object.spec?.selector ?? {};
      const { pods, ports } = portsFor(sel);
      if (pods === 0) {
        report(MESSAGES.ReferencedResourceNotFound, gw, ['spec', 'selector'], 'selector', selectorString(sel));
        continue;
      }
      asList(gw.object.spec?.servers).forEach((server: any) => {
        const port = server?.port?.number;
        if (typeof port === 'number' && !ports.has(port)) report(MESSAGES.GatewayPortNotDefinedOnService, gw, ['spec', 'selector'], port, selectorString(sel));
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
    // PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off by default: gateways of every namespace are compared. Gateways are
    // indexed by the certificate their servers name, so only gateways that share one are compared.
    const certKey = (tls: any) => {
      if (tls.credentialName) return `cn:${tls.credentialName}`;
      return tls.serverCertificate && tls.privateKey ? `file:${tls.serverCertificate}\n${tls.privateKey}` : undefined;
    };
    const byCert = new Map<string, Resource[]>();
    for (const gw of s.of('Gateway')) {
      const keys = asList(gw.object.spec?.servers).map((sv: any) => (sv?.tls ? certKey(sv.tls) : undefined)).filter((k): k is string => Boolean(k));
      for (const key of new Set(keys)) {
        byCert.set(key, [...(byCert.get(key) ?? []), gw]);
      }
    }
    for (const gw of s.of('Gateway')) {
      const sel: Record<string, string> = gw.object.spec?.selector ?? {};
      const servers = asList(gw.object.spec?.servers).filter((sv: any) => sv?.tls);
      const candidates = new Set(servers.flatMap((sv: any) => byCert.get(certKey(sv.tls) ?? '') ?? []));
      for (const other of candidates) {
        if (other === gw || (Object.keys(sel).length > 0 && !selectorSubset(sel, other.object.spec?.selector))) continue;
        for (const a of servers) {
          for (const b of asList(other.object.spec?.servers)) {
            if (b?.tls && sameCertificate(a.tls, b.tls)) {
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
  return s.selected(sel)[0]?.namespace;
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
