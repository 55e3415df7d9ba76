/** Sidecar injection analyzers: namespaces' injection labels, pods without a proxy, `image: auto` left uninjected. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelSelectorMatches, type Resource, type Snapshot } from '../snapshot.js';
import { proxyContainer } from '../../mesh/istio/sidecars.js';

export function hasProxy(pod: Resource): boolean {
  return proxyContainer(pod.object) !== undefined;
}

/** The sidecar injector's ConfigMap for a revision says namespaces are injected unless labelled otherwise. */
function enabledByDefault(s: Snapshot, revision: string | undefined): boolean {
  const name = !revision || revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`;
  const cm = s.of('ConfigMap').find((c) => c.name === name);
  try {
    return JSON.parse((cm?.object.data as Record<string, string> | undefined)?.values ?? 'null')?.sidecarInjectorWebhook?.enableNamespacesByDefault === true;
  } catch {
    return false;
  }
}

export const namespaceInjection: Analyzer = {
  name: 'injection.Analyzer',
  description: 'Checks namespaces say whether they want sidecar injection with one kind of label, and pods of injected namespaces have the proxy',
  reads: ['Namespace', 'Pod', 'ConfigMap'],
  reports: [MESSAGES.NamespaceMultipleInjectionLabels, MESSAGES.NamespaceInjectionEnabledByDefault, MESSAGES.NamespaceNotInjected, MESSAGES.PodMissingProxy],
  run(s, report) {
    const injected = new Set<string>();
    for (const ns of s.of('Namespace')) {
      if (ns.name === s.meshConfig.rootNamespace) continue;
      const l = ns.object.metadata.labels ?? {};
      const injection = l['istio-injection'];
      const labels = injection !== undefined ? [`istio-injection=${injection}`] : [];
      for (const k of ['istio.io/rev', 'istio.io/dataplane-mode']) {
        // istio-injection=disabled with a revision label is not a conflict: the namespace is simply not injected
        if (k in l && (injection === undefined || injection === 'enabled')) labels.push(`${k}=${l[k]}`);
      }
      if (labels.length > 1) report(MESSAGES.NamespaceMultipleInjectionLabels, ns, ['metadata', 'labels'], labels);
      if (l['istio.io/dataplane-mode'] === 'ambient') continue;
      if (!injection && !('istio.io/rev' in l)) {
        if (enabledByDefault(s, l['istio.io/rev'])) report(MESSAGES.NamespaceInjectionEnabledByDefault, ns, ['metadata', 'name']);
        else report(MESSAGES.NamespaceNotInjected, ns, ['metadata', 'name'], ns.name, ns.name);
        continue;
      }
      if (injection === 'enabled') injected.add(ns.name);
    }
    for (const pod of s.of('Pod')) {
      if (!injected.has(pod.namespace)) continue;
      const md = pod.object.metadata;
      const inject = md.labels?.['sidecar.istio.io/inject'] ?? md.annotations?.['sidecar.istio.io/inject'];
      if (typeof inject === 'string' && inject.toLowerCase() === 'false') continue;
      if (pod.object.spec?.hostNetwork) continue;
      if (!hasProxy(pod)) report(MESSAGES.PodMissingProxy, pod, ['spec', 'containers'], `${pod.namespace}/${pod.name}`);
    }
  },
};

const hasAutoImage = (spec: any) => asList(spec?.containers).some((c: any) => c?.name === 'istio-proxy' && c?.image === 'auto');

export const imageAuto: Analyzer = {
  name: 'injection.ImageAutoAnalyzer',
  description: 'Checks `image: auto` (a proxy left for the injector to fill in) is only used where an Istio injection webhook applies',
  reads: ['Pod', 'Deployment', 'Namespace', 'MutatingWebhookConfiguration'],
  reports: [MESSAGES.ImageAutoWithoutInjectionError, MESSAGES.ImageAutoWithoutInjectionWarning],
  run(s, report) {
    const webhooks = s.of('MutatingWebhookConfiguration').flatMap((m) => asList(m.object.webhooks)).filter((w: any) => String(w?.name ?? '').endsWith('istio.io'));
    // a pod still holding `image: auto` was not injected
    for (const pod of s.of('Pod')) if (hasAutoImage(pod.object.spec)) report(MESSAGES.ImageAutoWithoutInjectionError, pod, ['spec', 'containers'], 'Pod', pod.name);
    for (const d of s.of('Deployment')) {
      const template = d.object.spec?.template;
      if (!hasAutoImage(template?.spec)) continue;
      const nsLabels = s.namespaceObject(d.namespace || 'default')?.object.metadata.labels;
      const podLabels = template?.metadata?.labels;
      const matches = webhooks.some((w: any) => labelSelectorMatches(w.namespaceSelector, nsLabels) && labelSelectorMatches(w.objectSelector, podLabels));
      if (!matches) report(MESSAGES.ImageAutoWithoutInjectionWarning, d, ['spec', 'template', 'spec', 'containers'], 'Deployment', d.name);
    }
  },
};

export const INJECTION_ANALYZERS = [namespaceInjection, imageAuto];
