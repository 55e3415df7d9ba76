/** MSH0004: weighted routes to subsets whose pods exist but none is ready. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { istioFqdn, labelsMatch } from '../snapshot.js';
import { podReady } from '../../cluster/wait.js';
import { workloadsOfHost, destinations } from './shared.js';

export const splitSubsetsReady: Analyzer = {
  name: 'split.SubsetReadyAnalyzer',
  description: 'Checks subsets that routes send traffic to have ready pods',
  reads: ['VirtualService', 'DestinationRule', 'Service', 'Pod'],
  reports: [MESSAGES.SplitSubsetNotReady],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      for (const d of destinations(vs)) {
        if (!d.subset || d.weight === 0) continue;
        const host = istioFqdn(d.host, vs.namespace);
        const dr = s.destinationRulesFor(host)[0];
        const subset = asList(dr?.object.spec?.subsets).find((x: any) => x?.name === d.subset);
        const w = workloadsOfHost(s, d.host, vs.namespace);
        if (!subset?.labels || !w) continue;
        const pods = w.pods.filter((p) => labelsMatch(subset.labels, p.object.metadata.labels));
        if (pods.length > 0 && !pods.some((p) => podReady(p.object))) {
          report(MESSAGES.SplitSubsetNotReady, vs, d.path.slice(0, -1).concat('subset'), d.weight ?? 100, d.subset, d.host, pods.length);
        }
      }
    }
  },
};
