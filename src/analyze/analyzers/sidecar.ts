/** Sidecar and Telemetry selector analyzers: selectors that pick no pod, several resources for one pod or namespace. */
import type { Analyzer, Report } from '../analyzer.js';
import { MESSAGES } from '../messages.js';
import { podInAmbientMode, namespaceInAmbientMode, type Resource, type Snapshot } from '../snapshot.js';
import { selectorString } from './shared.js';

const sortedNames = (list: Resource[]) => list.map((r) => r.name).sort();

/**
 * Resources with a workload selector: the ones that select no pod of their namespace (IST0101), and for each
 * pod the resources that select it.
 */
type SelectorOf = (r: Resource) => Record<string, string> | undefined;

function selectPods(s: Snapshot, resources: Resource[], selectorOf: SelectorOf, selectorPath: string[], report: Report) {
  const byPod = new Map<Resource, Resource[]>();
  for (const r of resources) {
    const sel = selectorOf(r);
    if (!sel || Object.keys(sel).length === 0) continue;
    const pods = s.podsMatching(r.namespace, sel);
    if (pods.length === 0) report(MESSAGES.ReferencedResourceNotFound, r, selectorPath, 'selector', selectorString(sel));
    for (const p of pods) byPod.set(p, [...(byPod.get(p) ?? []), r]);
  }
  return byPod;
}

export const sidecarSelectors: Analyzer = {
  name: 'sidecar.SelectorAnalyzer',
  description: 'Checks Sidecar workload selectors select pods, no pod is selected by two Sidecars, no namespace has two Sidecars without selector, and none applies to ambient workloads',
  reads: ['Sidecar', 'Pod', 'Namespace'],
  reports: [
    MESSAGES.ReferencedResourceNotFound, MESSAGES.ConflictingSidecarWorkloadSelectors,
    MESSAGES.MultipleSidecarsWithoutWorkloadSelectors, MESSAGES.IneffectivePolicy,
  ],
  run(s, report) {
    const sidecars = s.of('Sidecar');
    const selector = (r: Resource) => r.object.spec?.workloadSelector?.labels;
    const byPod = selectPods(s, sidecars, selector, ['spec', 'workloadSelector', 'labels'], report);
    const ineffective = new Set<Resource>();
    for (const [pod, list] of byPod) {
      const ambient = podInAmbientMode(pod);
      if (list.length === 1 && !ambient) continue;
      for (const r of list) {
        if (ambient) {
          if (!ineffective.has(r)) report(MESSAGES.IneffectivePolicy, r, ['spec'], 'selected workload is in ambient mode, the policy has no impact');
          ineffective.add(r);
        } else {
          report(MESSAGES.ConflictingSidecarWorkloadSelectors, r, ['metadata', 'name'], sortedNames(list), pod.namespace, pod.name);
        }
      }
    }
    const unselected = new Map<string, Resource[]>();
    for (const r of sidecars) {
      const sel = selector(r);
      if (!sel || Object.keys(sel).length === 0) unselected.set(r.namespace, [...(unselected.get(r.namespace) ?? []), r]);
    }
    for (const [ns, list] of unselected) {
      if (namespaceInAmbientMode(s.namespaceObject(ns))) {
        for (const r of list) if (!ineffective.has(r)) report(MESSAGES.IneffectivePolicy, r, ['spec'], 'namespace is in ambient mode, the policy has no impact');
        continue;
      }
      if (list.length > 1) for (const r of list) report(MESSAGES.MultipleSidecarsWithoutWorkloadSelectors, r, ['metadata', 'name'], sortedNames(list), ns);
    }
  },
};

export const telemetrySelectors: Analyzer = {
  name: 'telemetry.SelectorAnalyzer',
  description: 'Checks Telemetry selectors select pods and no pod is selected by two Telemetries',
  reads: ['Telemetry', 'Pod'],
  reports: [MESSAGES.ReferencedResourceNotFound, MESSAGES.ConflictingTelemetryWorkloadSelectors],
  run(s, report) {
    const byPod = selectPods(s, s.of('Telemetry'), (r) => r.object.spec?.selector?.matchLabels, ['spec', 'selector', 'matchLabels'], report);
    for (const [pod, list] of byPod) {
      if (list.length < 2) continue;
      for (const r of list) report(MESSAGES.ConflictingTelemetryWorkloadSelectors, r, ['metadata', 'name'], sortedNames(list), pod.namespace, pod.name);
    }
  },
};

export const telemetryDefaultSelectors: Analyzer = {
  name: 'telemetry.DefaultSelectorAnalyzer',
  description: 'Checks no namespace has two Telemetries without a selector',
  reads: ['Telemetry'],
  reports: [MESSAGES.MultipleTelemetriesWithoutWorkloadSelectors],
  run(s, report) {
    const byNs = new Map<string, Resource[]>();
    for (const r of s.of('Telemetry')) {
      if (r.object.spec?.selector === undefined || r.object.spec?.selector === null) byNs.set(r.namespace, [...(byNs.get(r.namespace) ?? []), r]);
    }
    for (const [ns, list] of byNs) {
      if (list.length > 1) for (const r of list) report(MESSAGES.MultipleTelemetriesWithoutWorkloadSelectors, r, ['metadata', 'name'], sortedNames(list), ns);
    }
  },
};

export const telemetryProviders: Analyzer = {
  name: 'telemetry.ProviderAnalyzer',
  description: 'Checks Telemetry access logging names a provider when the mesh config sets no default access-log provider',
  reads: ['Telemetry', 'MeshConfig'],
  reports: [MESSAGES.InvalidTelemetryProvider],
  run(s, report) {
    const defaults = s.meshConfig.defaultProviders?.accessLogging;
    if (Array.isArray(defaults) && defaults.length > 0) return;
    for (const r of s.of('Telemetry')) {
      for (const l of (Array.isArray(r.object.spec?.accessLogging) ? r.object.spec.accessLogging : [])) {
        if (l?.disabled === true) continue;
        if (!Array.isArray(l?.providers) || l.providers.length === 0) report(MESSAGES.InvalidTelemetryProvider, r, ['spec', 'accessLogging'], r.name, r.namespace);
      }
    }
  },
};

export const telemetryLightstep: Analyzer = {
  name: 'telemetry.LightstepAnalyzer',
  description: 'Checks Telemetry tracing does not use a Lightstep provider of the mesh config (deprecated)',
  reads: ['Telemetry', 'MeshConfig'],
  reports: [MESSAGES.Deprecated],
  run(s, report) {
    const providers = Array.isArray(s.meshConfig.extensionProviders) ? s.meshConfig.extensionProviders : [];
    const lightstep = new Set(providers.filter((p: any) => p?.lightstep).map((p: any) => p.name));
    if (lightstep.size === 0) return;
    for (const r of s.of('Telemetry')) {
      for (const t of Array.isArray(r.object.spec?.tracing) ? r.object.spec.tracing : []) {
        for (const p of Array.isArray(t?.providers) ? t.providers : []) {
          if (lightstep.has(p?.name)) report(MESSAGES.Deprecated, r, ['spec', 'tracing'], `The Lightstep provider ${p.name} is deprecated, please migrate to OpenTelemetry provider.`);
        }
      }
    }
  },
};

export const SIDECAR_ANALYZERS = [sidecarSelectors, telemetrySelectors, telemetryDefaultSelectors, telemetryProviders, telemetryLightstep];
