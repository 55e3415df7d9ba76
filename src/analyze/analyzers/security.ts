/**
 * Security analyzers: selectors that match no workload (IST0127), and meshctl's own checks of
 * authorization policies (MSH0005–MSH0007) and mutual TLS (MSH0001–MSH0003).
 */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelsMatch, podInAmbientMode, type Resource, type Snapshot } from '../snapshot.js';
import { selectorString, hasProxy, workloadInMesh, destinationRulesWithWorkloads } from './shared.js';

/** The selector labels of a policy-like resource, and where they are. */
function selectorOf(r: Resource): { labels: Record<string, string>; path: string[] } | undefined {
  const spec = r.object.spec ?? {};
  if (r.kind === 'Sidecar') return spec.workloadSelector?.labels ? { labels: spec.workloadSelector.labels, path: ['spec', 'workloadSelector', 'labels'] } : undefined;
  return spec.selector?.matchLabels ? { labels: spec.selector.matchLabels, path: ['spec', 'selector', 'matchLabels'] } : undefined;
}

/** Istio's namespace pattern of AuthorizationPolicy sources: `*`, `*suffix`, `prefix*`, or a name (case-insensitive). */
function namespaceMatches(ns: string, exp: string): boolean {
  if (exp === '*') return true;
  if (exp.startsWith('*')) return ns.endsWith(exp.slice(1));
  if (exp.endsWith('*')) return ns.startsWith(exp.slice(0, -1));
  return ns.toLowerCase() === exp.toLowerCase();
}

export const authorizationPolicies: Analyzer = {
  name: 'auth.AuthorizationPoliciesAnalyzer',
  description: 'Checks AuthorizationPolicies select meshed workloads, and the namespaces their sources name exist',
  reads: ['AuthorizationPolicy', 'Pod', 'Namespace', 'MeshConfig'],
  reports: [MESSAGES.NoMatchingWorkloadsFound, MESSAGES.ReferencedResourceNotFound],
  run(s, report) {
    // labels of the pods in the mesh (a sidecar, or ambient), by namespace
    const meshed = new Map<string, Record<string, string>[]>();
    for (const p of s.of('Pod')) {
      if (!hasProxy(p) && !workloadInMesh(s, p.namespace, p.object) && !podInAmbientMode(p)) continue;
      meshed.set(p.namespace, [...(meshed.get(p.namespace) ?? []), p.object.metadata.labels ?? {}]);
    }
    const namespaces = s.of('Namespace').map((n) => n.name);
    for (const ap of s.of('AuthorizationPolicy')) {
      const selector: Record<string, string> | undefined = ap.object.spec?.selector ? (ap.object.spec.selector.matchLabels ?? {}) : undefined;
      const path = ['spec', 'selector'];
      if (ap.namespace === s.meshConfig.rootNamespace) {
        if (selector && ![...meshed.values()].some((list) => list.some((l) => labelsMatch(selector, l) || Object.keys(selector).length === 0))) {
          report(MESSAGES.NoMatchingWorkloadsFound, ap, path, selectorString(selector));
        }
      } else if (!selector) {
        if ((meshed.get(ap.namespace) ?? []).length === 0) report(MESSAGES.NoMatchingWorkloadsFound, ap, ['spec'], '');
      } else if (!(meshed.get(ap.namespace) ?? []).some((l) => Object.keys(selector).length === 0 || labelsMatch(selector, l))) {
        report(MESSAGES.NoMatchingWorkloadsFound, ap, path, selectorString(selector));
      }
      asList(ap.object.spec?.rules).forEach((rule: any, i: number) => {
        asList(rule?.from).forEach((f: any, j: number) => {
          for (const field of ['namespaces', 'notNamespaces']) {
            asList(f?.source?.[field]).forEach((ns: unknown, k: number) => {
              if (typeof ns === 'string' && !namespaces.some((n) => namespaceMatches(n, ns))) {
                report(MESSAGES.ReferencedResourceNotFound, ap, ['spec', 'rules', i, 'from', j, 'source', field, k], 'namespace', ns);
              }
            });
          }
        });
      });
    }
  },
};

const PRINCIPAL = /^[^/*]+\/ns\/([^/*]+)\/sa\/([^/*]+)$/;

export const principalServiceAccounts: Analyzer = {
  name: 'authz.PrincipalServiceAccountAnalyzer',
  description: 'Checks service accounts named by AuthorizationPolicy principals exist (in namespaces whose service accounts are known)',
  reads: ['AuthorizationPolicy', 'ServiceAccount'],
  reports: [MESSAGES.PrincipalServiceAccountNotFound],
  run(s, report) {
    const known = new Set(s.of('ServiceAccount').map((sa) => `${sa.namespace}/${sa.name}`));
    const namespacesWithAccounts = new Set(s.of('ServiceAccount').map((sa) => sa.namespace));
    for (const ap of s.of('AuthorizationPolicy')) {
      asList(ap.object.spec?.rules).forEach((rule: any, i: number) => {
        asList(rule?.from).forEach((f: any, j: number) => {
          asList(f?.source?.principals).forEach((p: unknown, k: number) => {
            const m = typeof p === 'string' ? PRINCIPAL.exec(p) : null;
            if (m && namespacesWithAccounts.has(m[1]) && !known.has(`${m[1]}/${m[2]}`)) {
              report(MESSAGES.PrincipalServiceAccountNotFound, ap, ['spec', 'rules', i, 'from', j, 'source', 'principals', k], String(p), m[1], m[2]);
            }
          });
        });
      });
    }
  },
};

function isDenyAll(ap: Resource): boolean {
  const spec = ap.object.spec ?? {};
  return (spec.action ?? 'ALLOW') === 'ALLOW' && !spec.selector && !spec.targetRef && !spec.targetRefs && !(Array.isArray(spec.rules) && spec.rules.length > 0);
}

export const denyAllWithoutAllow: Analyzer = {
  name: 'authz.DenyAllWithoutAllowAnalyzer',
  description: 'Checks a namespace with a deny-all policy also has an ALLOW policy',
  reads: ['AuthorizationPolicy'],
  reports: [MESSAGES.DenyAllWithoutAllow],
  run(s, report) {
    const aps = s.of('AuthorizationPolicy');
    const root = s.meshConfig.rootNamespace;
    for (const deny of aps.filter(isDenyAll)) {
      const scope = deny.namespace;
      const allows = aps.filter((ap) => ap !== deny && (ap.namespace === scope || scope === root || ap.namespace === root) && (ap.object.spec?.action ?? 'ALLOW') === 'ALLOW' && Array.isArray(ap.object.spec?.rules) && ap.object.spec.rules.length > 0);
      if (allows.length === 0) report(MESSAGES.DenyAllWithoutAllow, deny, ['spec'], scope === root ? `${scope} (mesh-wide)` : scope, deny.name);
    }
  },
};

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET';

function modeOf(pa: Resource): Mode {
  const m = pa.object.spec?.mtls?.mode;
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : 'UNSET';
}

/** The mTLS mode for workloads with `labels` in `namespace`, and which level set it. */
export function effectiveMode(s: Snapshot, namespace: string, labels: Record<string, string> | undefined): { mode: Mode; by: string } {
  const pas = s.of('PeerAuthentication');
  if (labels) {
    const w = pas.find((pa) => pa.namespace === namespace && selectorOf(pa) && labelsMatch(selectorOf(pa)!.labels, labels) && modeOf(pa) !== 'UNSET');
    if (w) return { mode: modeOf(w), by: `PeerAuthentication ${w.namespace}/${w.name}` };
  }
  const ns = pas.find((pa) => pa.namespace === namespace && !selectorOf(pa) && modeOf(pa) !== 'UNSET');
  if (ns) return { mode: modeOf(ns), by: `namespace ${namespace} (PeerAuthentication ${ns.name})` };
  const mesh = pas.find((pa) => pa.namespace === s.meshConfig.rootNamespace && !selectorOf(pa) && modeOf(pa) !== 'UNSET');
  if (mesh) return { mode: modeOf(mesh), by: `the mesh (PeerAuthentication ${mesh.namespace}/${mesh.name})` };
  return { mode: 'PERMISSIVE', by: 'the default' };
}

/** Every tls setting of a DestinationRule (top level and subsets), with its path. */
function tlsSettings(dr: Resource): { tls: any; path: (string | number)[]; labels?: Record<string, string> }[] {
  const spec = dr.object.spec ?? {};
  const out: { tls: any; path: (string | number)[]; labels?: Record<string, string> }[] = [];
  if (spec.trafficPolicy?.tls) out.push({ tls: spec.trafficPolicy.tls, path: ['spec', 'trafficPolicy', 'tls', 'mode'] });
  asList(spec.subsets).forEach((sub: any, i: number) => {
    if (sub?.trafficPolicy?.tls) out.push({ tls: sub.trafficPolicy.tls, path: ['spec', 'subsets', i, 'trafficPolicy', 'tls', 'mode'], labels: sub.labels });
  });
  return out;
}

export const strictVersusPlaintext: Analyzer = {
  name: 'mtls.StrictWithPlaintextDestinationAnalyzer',
  description: 'Checks DestinationRules do not send plaintext or one-way TLS to workloads that only accept mutual TLS',
  reads: ['DestinationRule', 'Service', 'PeerAuthentication', 'Pod'],
  reports: [MESSAGES.StrictMtlsWithPlaintextDestination],
  run(s, report) {
    for (const { dr, host, service, pods: all } of destinationRulesWithWorkloads(s)) {
      for (const { tls, path, labels } of tlsSettings(dr)) {
        if (tls.mode !== 'DISABLE' && tls.mode !== 'SIMPLE') continue;
        const pods = labels ? all.filter((p) => labelsMatch(labels, p.object.metadata.labels)) : all;
        const eff = effectiveMode(s, service.namespace, pods[0]?.object.metadata.labels ?? { ...service.object.spec.selector, ...labels });
        if (eff.mode === 'STRICT') report(MESSAGES.StrictMtlsWithPlaintextDestination, dr, path, tls.mode, host, `STRICT by ${eff.by}`);
      }
    }
  },
};

export const disableUnderStrict: Analyzer = {
  name: 'mtls.WorkloadDisableUnderStrictAnalyzer',
  description: 'Checks for workload-level PeerAuthentications that disable mTLS under a STRICT namespace or mesh',
  reads: ['PeerAuthentication'],
  reports: [MESSAGES.WorkloadMtlsDisabledUnderStrict],
  run(s, report) {
    for (const pa of s.of('PeerAuthentication')) {
      const sel = selectorOf(pa);
      if (!sel || modeOf(pa) !== 'DISABLE') continue;
      const outer = effectiveMode(s, pa.namespace, undefined);
      if (outer.mode === 'STRICT') report(MESSAGES.WorkloadMtlsDisabledUnderStrict, pa, ['spec', 'mtls', 'mode'], 'DISABLE', selectorString(sel.labels), outer.by);
    }
  },
};

export const istioMutualWithoutSidecar: Analyzer = {
  name: 'mtls.IstioMutualWithoutSidecarAnalyzer',
  description: 'Checks ISTIO_MUTUAL DestinationRules point at workloads that have a sidecar',
  reads: ['DestinationRule', 'Service', 'Pod'],
  reports: [MESSAGES.IstioMutualToWorkloadWithoutSidecar],
  run(s, report) {
    for (const { dr, host, pods: all } of destinationRulesWithWorkloads(s)) {
      if (all.length === 0) continue;
      for (const { tls, path, labels } of tlsSettings(dr)) {
        if (tls.mode !== 'ISTIO_MUTUAL') continue;
        const pods = labels ? all.filter((p) => labelsMatch(labels, p.object.metadata.labels)) : all;
        if (pods.length > 0 && pods.every((p) => !hasProxy(p))) {
          report(MESSAGES.IstioMutualToWorkloadWithoutSidecar, dr, path, host, pods.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(', ') + (pods.length > 3 ? ', …' : ''));
        }
      }
    }
  },
};

export const SECURITY_ANALYZERS = [
  authorizationPolicies, principalServiceAccounts, denyAllWithoutAllow, strictVersusPlaintext, disableUnderStrict, istioMutualWithoutSidecar,
];
