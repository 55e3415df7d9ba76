/** DestinationRule analyzers: host known, subsets select pods, server certificate verification. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { Snapshot } from '../snapshot.js';

const TOPOLOGY = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

/** A pod's labels as Istio matches subsets against them: with its node's region, zone and subzone, and its hostname. */
function augmentedLabels(pod: any, nodes: Map<string, Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...(pod.metadata?.labels ?? {}) };
  const nodeName = pod.spec?.nodeName;
  const node = typeof nodeName === 'string' ? nodes.get(nodeName) : undefined;
  for (const k of TOPOLOGY) if (node?.[k]) out[k] = node[k];
  if (typeof nodeName === 'string' && nodeName) out['kubernetes.io/hostname'] = nodeName;
  return out;
}

export const subsetsSelectPods: Analyzer = {
  name: 'destinationrule.SubsetSelectPodAnalyzer',
  description: 'Checks the host of each DestinationRule is a visible Service or ServiceEntry, and each of its subsets selects a pod',
  reads: ['DestinationRule', 'Service', 'ServiceEntry', 'Pod', 'Node'],
  reports: [MESSAGES.UnknownDestinationRuleHost, MESSAGES.DestinationRuleSubsetNotSelectPods],
  run(s, report) {
    // pods' labels with the topology labels Istio adds from their node (region, zone, subzone, hostname), as a
    // snapshot of their own so that subset selectors are matched through the label index
    const nodes = new Map(s.of('Node').map((n) => [n.name, n.object.metadata.labels ?? {}]));
    const pods = new Snapshot(s.pods().map((p) => ({
      ...p, object: { ...p.object, metadata: { ...p.object.metadata, labels: augmentedLabels(p.object, nodes) } },
    })));
    for (const dr of s.of('DestinationRule')) {
      const host = dr.object.spec?.host;
      if (typeof host !== 'string') continue;
      const target = s.lookupDestination(host, dr.namespace, asList(dr.object.spec?.exportTo).map(String));
      if (!target) {
        report(MESSAGES.UnknownDestinationRuleHost, dr, ['spec', 'host'], host);
        continue;
      }
      const workload: Record<string, string> = (target.kind === 'Service' ? target.object.spec?.selector : target.object.spec?.workloadSelector?.labels) ?? {};
      asList(dr.object.spec?.subsets).forEach((sub: any, i: number) => {
        const selector = { ...workload, ...(sub?.labels ?? {}) };
        if (pods.selected(selector).length === 0) {
          report(MESSAGES.DestinationRuleSubsetNotSelectPods, dr, ['spec', 'subsets', i], String(sub?.name ?? ''));
        }
      });
    }
  },
};

export const caCertificates: Analyzer = {
  name: 'destinationrule.CaCertificateAnalyzer',
  description: 'Checks DestinationRules with SIMPLE or MUTUAL TLS verify the server certificate',
  reads: ['DestinationRule'],
  reports: [MESSAGES.NoServerCertificateVerificationDestinationLevel, MESSAGES.NoServerCertificateVerificationPortLevel],
  run(s, report) {
    for (const dr of s.of('DestinationRule')) {
      const tp = dr.object.spec?.trafficPolicy;
      const host = dr.object.spec?.host;
      // as Istio: a credentialName verifies only where the rule has a workload selector (a gateway's own credentials)
      const withSelector = Boolean(dr.object.spec?.workloadSelector);
      const unverified = (tls: any) => (tls?.mode === 'SIMPLE' || tls?.mode === 'MUTUAL') && !tls.caCertificates && !(tls.credentialName && withSelector);
      const name = `${dr.namespace}/${dr.name}`;
      // at the caCertificates Istio's analyzer names (absent: the rule's first line, where Istio places it)
      if (unverified(tp?.tls)) report(MESSAGES.NoServerCertificateVerificationDestinationLevel, dr, ['spec', 'trafficPolicy', 'tls', 'caCertificates'], name, dr.namespace, tp.tls.mode, host);
      asList(tp?.portLevelSettings).forEach((pl: any, i: number) => {
        if (unverified(pl?.tls)) {
          report(MESSAGES.NoServerCertificateVerificationPortLevel, dr, ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'caCertificates'], name, dr.namespace, pl.tls.mode, host, `number:${pl.port?.number}`);
        }
      });
    }
  },
};

export const DESTINATION_RULE_ANALYZERS = [subsetsSelectPods, caCertificates];
