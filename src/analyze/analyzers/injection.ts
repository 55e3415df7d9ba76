/** Sidecar injection analyzers: namespaces not injected, injection labels, pods without a proxy. */
import type { Analyzer } from '../analyzer.js';
import { MESSAGES } from '../messages.js';
import type { Resource } from '../snapshot.js';
import { injectionEnabled, proxyContainer } from '../../mesh/istio/sidecars.js';

export function hasProxy(pod: Resource): boolean {
  return proxyContainer(pod.object) !== undefined;
}

const CONTROL_PLANE_NAMESPACES = ['istio-system'];

export const namespaceInjection: Analyzer = {
  name: 'injection.NamespaceAnalyzer',
  description: 'Checks namespaces say whether they want sidecar injection, and use one kind of injection label',
  inputs: ['Namespace'],
  run(s, report) {
    for (const ns of s.of('Namespace')) {
      if (CONTROL_PLANE_NAMESPACES.includes(ns.name)) continue;
      const l = ns.object.metadata.labels ?? {};
      if (l['istio-injection'] !== undefined && l['istio.io/rev'] !== undefined) {
        report(MESSAGES.NamespaceMultipleInjectionLabels, ns, ['metadata', 'labels'], `(istio-injection=${l['istio-injection']}, istio.io/rev=${l['istio.io/rev']})`);
      } else if (l['istio-injection'] === undefined && l['istio.io/rev'] === undefined) {
        report(MESSAGES.NamespaceNotInjected, ns, ['metadata'], ns.name, ns.name);
      }
    }
  },
};

export const podsWithoutProxy: Analyzer = {
  name: 'injection.PodAnalyzer',
  description: 'Checks pods in injected namespaces have the Istio proxy',
  inputs: ['Pod', 'Namespace'],
  run(s, report) {
    for (const pod of s.of('Pod')) {
      if (!injectionEnabled(s.namespaceObject(pod.namespace)?.object)) continue;
      const md = pod.object.metadata;
      if (md.annotations?.['sidecar.istio.io/inject'] === 'false' || md.labels?.['sidecar.istio.io/inject'] === 'false') continue;
      if (pod.object.spec?.hostNetwork) continue;
      if (!hasProxy(pod)) report(MESSAGES.PodMissingProxy, pod, ['spec', 'containers'], `${pod.name}.${pod.namespace}`);
    }
  },
};

export const INJECTION_ANALYZERS = [namespaceInjection, podsWithoutProxy];
