/** DestinationRule analyzers: host known, subsets select pods, server certificate verification. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelsMatch, type Resource, type Snapshot } from '../snapshot.js';

/** The namespace and pod selector behind a host, when it is a Service of the snapshot. */
export function workloadsOfHost(s: Snapshot, host: string, namespace: string): { service: Resource; pods: Resource[] } | undefined {
  const svc = s.lookupHost(host, namespace);
  if (svc?.kind !== 'Service' || !svc.object.spec?.selector) return undefined;
  return { service: svc, pods: s.podsMatching(svc.namespace, svc.object.spec.selector) };
}

/** DestinationRules whose host is a Service of the snapshot (with a selector), each with that Service's pods. */
export function destinationRulesWithWorkloads(s: Snapshot): { dr: Resource; host: string; service: Resource; pods: Resource[] }[] {
  const out: { dr: Resource; host: string; service: Resource; pods: Resource[] }[] = [];
  for (const dr of s.of('DestinationRule')) {
    const host = dr.object.spec?.host;
    const w = typeof host === 'string' ? workloadsOfHost(s, host, dr.namespace) : undefined;
    if (w) out.push({ dr, host, ...w });
  }
  return out;
}

export const unknownHost: Analyzer = {
  name: 'destinationrule.UnknownHostAnalyzer',
  description: 'Checks the host of each DestinationRule is a Service or ServiceEntry',
  inputs: ['DestinationRule', 'Service'],
  run(s, report) {
    for (const dr of s.of('DestinationRule')) {
      const host = dr.object.spec?.host;
      if (typeof host !== 'string' || host.includes('*')) continue;
      if (!s.lookupHost(host, dr.namespace)) report(MESSAGES.UnknownDestinationRuleHost, dr, ['spec', 'host'], host);
    }
  },
};

export const subsetsSelectPods: Analyzer = {
  name: 'destinationrule.PodNotSelectedAnalyzer',
  description: 'Checks each subset of a DestinationRule selects at least one pod of its Service',
  inputs: ['DestinationRule', 'Service', 'Pod'],
  run(s, report) {
    for (const { dr, pods } of destinationRulesWithWorkloads(s)) {
      asList(dr.object.spec?.subsets).forEach((sub: any, i: number) => {
        if (!sub?.labels || Object.keys(sub.labels).length === 0) return;
        if (!pods.some((p) => labelsMatch(sub.labels, p.object.metadata.labels))) report(MESSAGES.DestinationRuleSubsetNotSelectPods, dr, ['spec', 'subsets', i], sub.name);
      });
    }
  },
};

export const caCertificates: Analyzer = {
  name: 'destinationrule.CaCertificateAnalyzer',
  description: 'Checks DestinationRules with SIMPLE or MUTUAL TLS verify the server certificate',
  inputs: ['DestinationRule'],
  run(s, report) {
    for (const dr of s.of('DestinationRule')) {
      const tp = dr.object.spec?.trafficPolicy;
      const host = dr.object.spec?.host;
      const unverified = (tls: any) => tls && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && !tls.caCertificates && !tls.credentialName && !tls.insecureSkipVerify;
      if (unverified(tp?.tls)) report(MESSAGES.NoServerCertificateVerificationDestinationLevel, dr, ['spec', 'trafficPolicy', 'tls', 'mode'], dr.name, dr.namespace, tp.tls.mode, host);
      asList(tp?.portLevelSettings).forEach((pl: any, i: number) => {
        if (unverified(pl?.tls)) report(MESSAGES.NoServerCertificateVerificationPortLevel, dr, ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'mode'], dr.name, dr.namespace, pl.tls.mode, host, pl.port?.number);
      });
    }
  },
};

export const DESTINATION_RULE_ANALYZERS = [unknownHost, subsetsSelectPods, caCertificates];
