/** Annotation and deprecation analyzers: unknown istio.io annotations (IST0108), deprecated fields (IST0002). */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';

/** Istio annotations (and the istio.io keys Istio itself writes) that users put on workloads, Services and namespaces. */
export const KNOWN_ISTIO_ANNOTATIONS = new Set([
  'sidecar.istio.io/inject', 'sidecar.istio.io/status', 'sidecar.istio.io/proxyImage', 'sidecar.istio.io/proxyImageType',
  'sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyMemory', 'sidecar.istio.io/proxyCPULimit', 'sidecar.istio.io/proxyMemoryLimit',
  'sidecar.istio.io/logLevel', 'sidecar.istio.io/componentLogLevel', 'sidecar.istio.io/agentLogLevel', 'sidecar.istio.io/enableCoreDump',
  'sidecar.istio.io/interceptionMode', 'sidecar.istio.io/rewriteAppHTTPProbers', 'sidecar.istio.io/userVolume', 'sidecar.istio.io/userVolumeMount',
  'sidecar.istio.io/statsInclusionPrefixes', 'sidecar.istio.io/statsInclusionSuffixes', 'sidecar.istio.io/statsInclusionRegexps',
  'sidecar.istio.io/statsHistogramBuckets', 'sidecar.istio.io/bootstrapOverride', 'sidecar.istio.io/discoveryAddress',
  'sidecar.istio.io/extraStatTags', 'sidecar.istio.io/nativeSidecar', 'sidecar.istio.io/statsCompression',
  'traffic.sidecar.istio.io/includeOutboundIPRanges', 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  'traffic.sidecar.istio.io/includeInboundPorts', 'traffic.sidecar.istio.io/excludeInboundPorts',
  'traffic.sidecar.istio.io/includeOutboundPorts', 'traffic.sidecar.istio.io/excludeOutboundPorts',
  'traffic.sidecar.istio.io/excludeInterfaces', 'traffic.sidecar.istio.io/kubevirtInterfaces',
  'readiness.status.sidecar.istio.io/applicationPorts', 'readiness.status.sidecar.istio.io/initialDelaySeconds',
  'readiness.status.sidecar.istio.io/periodSeconds', 'readiness.status.sidecar.istio.io/failureThreshold',
  'status.sidecar.istio.io/port', 'proxy.istio.io/config', 'proxy.istio.io/overrides', 'inject.istio.io/templates',
  'prometheus.istio.io/merge-metrics', 'networking.istio.io/exportTo', 'networking.istio.io/traffic-distribution',
  'istio.io/dry-run', 'istio.io/rev', 'istio.io/use-waypoint', 'istio.io/dataplane-mode', 'ambient.istio.io/redirection',
  'galley.istio.io/analyze-suppress', 'kubernetes.io/ingress.class', 'istio.io/connect-strategy',
]);

/** Kinds whose annotations Istio reads. */
const ANNOTATED_KINDS = ['Pod', 'Service', 'Namespace', 'Deployment', 'StatefulSet', 'DaemonSet'];

export const unknownAnnotations: Analyzer = {
  name: 'annotations.K8sAnalyzer',
  description: 'Checks istio.io annotations on pods, workloads, Services and namespaces are ones Istio knows',
  inputs: [],
  run(s, report) {
    for (const kind of ANNOTATED_KINDS) {
      for (const r of s.of(kind)) {
        const places: [Record<string, string> | undefined, (string | number)[]][] = [[r.object.metadata.annotations, ['metadata', 'annotations']]];
        if (kind !== 'Pod' && kind !== 'Service' && kind !== 'Namespace') places.push([r.object.spec?.template?.metadata?.annotations, ['spec', 'template', 'metadata', 'annotations']]);
        for (const [annotations, path] of places) {
          for (const key of Object.keys(annotations ?? {})) {
            const domain = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
            if ((domain === 'istio.io' || domain.endsWith('.istio.io')) && !KNOWN_ISTIO_ANNOTATIONS.has(key) && !key.startsWith('install.operator.istio.io/')) {
              report(MESSAGES.UnknownAnnotation, r, [...path, key], key);
            }
          }
        }
      }
    }
  },
};

export const deprecatedFields: Analyzer = {
  name: 'deprecation.DeprecationAnalyzer',
  description: 'Checks for deprecated fields (VirtualService mirrorPercent)',
  inputs: ['VirtualService'],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      asList(vs.object.spec?.http).forEach((r: any, i: number) => {
        if (r && 'mirrorPercent' in r) report(MESSAGES.Deprecated, vs, ['spec', 'http', i, 'mirrorPercent'], `http[${i}].mirrorPercent is deprecated; use mirrorPercentage`);
      });
    }
  },
};

export const ANNOTATION_ANALYZERS = [unknownAnnotations, deprecatedFields];
