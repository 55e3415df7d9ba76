/** Sidecar injection analyzers: namespaces' injection labels, pods without a proxy, `image: auto` left uninjected. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelSelectorMatches, labelsMatch, type Resource, type Snapshot } from '../snapshot.js';
import { hasProxy } from './shared.js';

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
      // istioctl's rule, which this analyzer is compared with: only istio-injection=enabled namespaces, and only the
      // value "false" opts a pod out. The injection webhook's own rule (status, inject: podTakesSidecar in
      // mesh/istio/sidecars.ts) also covers revision-labelled namespaces and opts out on any value but y/yes/true/on.
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

/** The proxy image an injector ConfigMap injects (`hub/image:tag`, or the image when it names a repository). */
function injectorProxyImage(cm: Resource): string {
  try {
    const global = JSON.parse((cm.object.data as Record<string, string> | undefined)?.values ?? 'null')?.global;
    const image = String(global?.proxy?.image ?? '');
    return image.includes('/') ? image : `${global?.hub}/${image}:${global?.tag}`;
  } catch {
    return '';
  }
}

/**
 * The proxy image variant of a pod (Istio's effective proxy config): the mesh's default config, overridden by a
 * ProxyConfig of the root namespace, then of the pod's namespace, then one selecting the pod, then its
 * proxy.istio.io/config annotation. `default` is no variant.
 */
function imageType(s: Snapshot, pod: Resource): string {
  let variant = String((s.meshConfig.defaultConfig as any)?.image?.imageType ?? '');
  const configs = s.of('ProxyConfig');
  const typeOf = (r: Resource) => String(r.object.spec?.image?.imageType ?? '');
  for (const scope of [s.meshConfig.rootNamespace, pod.namespace]) {
    const pc = configs.find((c) => c.namespace === scope && !c.object.spec?.selector);
    if (pc && typeOf(pc)) variant = typeOf(pc);
  }
  for (const pc of configs) {
    const sel = pc.object.spec?.selector?.matchLabels;
    if (pc.namespace === pod.namespace && sel && labelsMatch(sel, pod.object.metadata.labels) && typeOf(pc)) variant = typeOf(pc);
  }
  const anno = pod.object.metadata.annotations?.['proxy.istio.io/config'];
  const m = typeof anno === 'string' ? /imageType:\s*["']?(\w+)/.exec(anno) : null;
  if (m) variant = m[1];
  return variant === 'default' ? '' : variant;
}

export const proxyImages: Analyzer = {
  name: 'injection.ImageAnalyzer',
  description: 'Checks the proxies of pods in injected namespaces run the image the injector configuration gives',
  reads: ['ConfigMap', 'Namespace', 'Pod', 'ProxyConfig', 'MeshConfig'],
  reports: [MESSAGES.PodsIstioProxyImageMismatchInNamespace],
  run(s, report) {
    const images = new Map(s.of('ConfigMap').filter((c) => c.name.startsWith('istio-sidecar-injector')).map((c) => [c.name, injectorProxyImage(c)]));
    if (images.size === 0) return;
    const mismatched = new Map<string, string[]>();
    for (const pod of s.of('Pod')) {
      const l = s.namespaceObject(pod.namespace)?.object.metadata.labels ?? {};
      if (l['istio-injection'] !== 'enabled' && !('istio.io/rev' in l)) continue;
      if (pod.object.metadata.annotations?.['sidecar.istio.io/proxyImage']) continue;
      const revision = l['istio.io/rev'] ?? 'default';
      const expected = images.get(revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`);
      if (expected === undefined) continue;
      const variant = imageType(s, pod);
      const containers = [...asList(pod.object.spec?.containers), ...asList(pod.object.spec?.initContainers)];
      for (const c of containers.filter((x: any) => x?.name === 'istio-proxy')) {
        if (c.image !== expected && c.image !== `${expected}-${variant}`) mismatched.set(pod.namespace, [...(mismatched.get(pod.namespace) ?? []), pod.name]);
      }
    }
    for (const [ns, pods] of mismatched) {
      const nsResource = s.namespaceObject(ns);
      if (nsResource) report(MESSAGES.PodsIstioProxyImageMismatchInNamespace, nsResource, ['metadata', 'name'], pods.sort());
    }
  },
};

export const INJECTION_ANALYZERS = [namespaceInjection, imageAuto, proxyImages];
