/** Annotation and deprecation analyzers: Istio annotations (IST0107, IST0108, IST0125, IST0135), deprecated fields (IST0002). */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { isIP } from 'node:net';
import { ISTIO_ANNOTATIONS } from '../istio.gen.js';
import { MESSAGES } from '../messages.js';

const BY_NAME = new Map(ISTIO_ANNOTATIONS.map((a) => [a.name, a]));

/** Set by istiod or controllers themselves: never reported. */
const ALWAYS_IGNORED = new Set(['sidecar.istio.io/status', 'gateway.istio.io/controller-version', 'istio.io/rev']);

const DEPRECATION_EXTRA: Record<string, string> = { 'sidecar.istio.io/inject': ' in favor of the "sidecar.istio.io/inject" label' };

/** An annotation of Istio's domain (`*istio.io/…`, and kubernetes.io/ingress.class). */
function istioAnnotation(key: string): boolean {
  return key === 'kubernetes.io/ingress.class' || key.split('/')[0].endsWith('istio.io');
}

const cidrList = (v: string) => v === '' || v.split(',').every((c) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c) && isIP(c.slice(0, c.lastIndexOf('/'))) !== 0 &&
  Number(c.slice(c.lastIndexOf('/') + 1)) <= (isIP(c.slice(0, c.lastIndexOf('/'))) === 4 ? 32 : 128));
const portList = (v: string) => v === '' || v.split(',').every((p) => /^\s*\d+\s*$/.test(p) && Number(p) > 0 && Number(p) <= 65535);
const uint32 = (v: string) => /^\d+$/.test(v) && Number(v) <= 0xffffffff;
const quantity = (v: string) => /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.test(v);
const interfaces = (v: string) => v === '' || v.split(',').every((i) => /^[^\s/:]{1,15}$/.test(i.trim()) && i.trim() !== '.' && i.trim() !== '..');

/** The value checks of Istio's injector for the annotations it reads: a problem, or undefined. */
const VALUE_CHECKS: Record<string, (v: string) => string | undefined> = {
  'sidecar.istio.io/interceptionMode': (v) => (['REDIRECT', 'TPROXY', 'NONE'].includes(v) ? undefined : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${v}`),
  'status.sidecar.istio.io/port': (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) <= 65535 ? undefined : `excludeInboundPorts invalid: port ${v} is invalid`),
  'readiness.status.sidecar.istio.io/initialDelaySeconds': (v) => (uint32(v) ? undefined : `invalid unsigned integer: ${v}`),
  'readiness.status.sidecar.istio.io/periodSeconds': (v) => (uint32(v) ? undefined : `invalid unsigned integer: ${v}`),
  'readiness.status.sidecar.istio.io/failureThreshold': (v) => (uint32(v) ? undefined : `invalid unsigned integer: ${v}`),
  'traffic.sidecar.istio.io/includeOutboundIPRanges': (v) => (v === '*' || cidrList(v) ? undefined : `includeIPRanges invalid: ${v}`),
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': (v) => (cidrList(v) ? undefined : `excludeIPRanges invalid: ${v}`),
  'traffic.sidecar.istio.io/includeInboundPorts': (v) => (v === '*' || portList(v) ? undefined : `includeInboundPorts invalid: ${v}`),
  'traffic.sidecar.istio.io/excludeInboundPorts': (v) => (portList(v) ? undefined : `excludeInboundPorts invalid: ${v}`),
  'traffic.sidecar.istio.io/excludeOutboundPorts': (v) => (portList(v) ? undefined : `excludeOutboundPorts invalid: ${v}`),
  'traffic.sidecar.istio.io/excludeInterfaces': (v) => (interfaces(v) ? undefined : `invalid interface names: ${v}`),
  'traffic.sidecar.istio.io/kubevirtInterfaces': (v) => (interfaces(v) ? undefined : `invalid interface names: ${v}`),
  'istio.io/reroute-virtual-interfaces': (v) => (interfaces(v) ? undefined : `invalid interface names: ${v}`),
  'prometheus.istio.io/merge-metrics': (v) => (/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v) ? undefined : `invalid boolean: ${v}`),
  'sidecar.istio.io/proxyCPU': (v) => (quantity(v) ? undefined : `quantities must match the regular expression: ${v}`),
  'sidecar.istio.io/proxyMemory': (v) => (quantity(v) ? undefined : `quantities must match the regular expression: ${v}`),
  'sidecar.istio.io/proxyCPULimit': (v) => (quantity(v) ? undefined : `quantities must match the regular expression: ${v}`),
  'sidecar.istio.io/proxyMemoryLimit': (v) => (quantity(v) ? undefined : `quantities must match the regular expression: ${v}`),
};

/** The kinds whose own annotations Istio checks. */
const ANNOTATED_KINDS = ['Namespace', 'Service', 'Pod', 'Deployment'];

export const k8sAnnotations: Analyzer = {
  name: 'annotations.K8sAnalyzer',
  description: 'Checks the Istio annotations of namespaces, Services, pods and Deployments: known to the release, not deprecated, on a kind they apply to, with a valid value',
  reads: ANNOTATED_KINDS,
  reports: [MESSAGES.UnknownAnnotation, MESSAGES.DeprecatedAnnotation, MESSAGES.MisplacedAnnotation, MESSAGES.InvalidAnnotation],
  run(s, report) {
    for (const kind of ANNOTATED_KINDS) {
      for (const r of s.of(kind)) {
        for (const [key, value] of Object.entries(r.object.metadata.annotations ?? {})) {
          if (!istioAnnotation(key) || ALWAYS_IGNORED.has(key)) continue;
          const path = ['metadata', 'annotations', key];
          const def = BY_NAME.get(key);
          if (!def) {
            report(MESSAGES.UnknownAnnotation, r, path, key);
            continue;
          }
          // the deprecated inject annotation is not reported where the label says the same
          if (def.deprecated && !(key === 'sidecar.istio.io/inject' && r.object.metadata.labels?.['sidecar.istio.io/inject'] !== undefined)) {
            report(MESSAGES.DeprecatedAnnotation, r, path, key, DEPRECATION_EXTRA[key] ?? '');
          }
          if (def.resources.includes('Any')) continue;
          if (!def.resources.includes(kind)) {
            report(MESSAGES.MisplacedAnnotation, r, path, key, def.resources.join(', '));
            continue;
          }
          const problem = VALUE_CHECKS[key]?.(String(value));
          if (problem) report(MESSAGES.InvalidAnnotation, r, path, key, problem);
        }
      }
    }
  },
};

const REMOVED_KINDS = ['ClusterRbacConfig', 'RbacConfig', 'ServiceRole', 'ServiceRoleBinding'];

export const deprecatedFields: Analyzer = {
  name: 'deprecation.DeprecationAnalyzer',
  description: 'Checks for deprecated fields (fault.delay.percent, Sidecar egressProxy) and removed custom resource types (the deprecated settings validation warns about are IST0133)',
  reads: ['VirtualService', 'Sidecar', 'CustomResourceDefinition'],
  reports: [MESSAGES.Deprecated],
  run(s, report) {
    for (const vs of s.of('VirtualService')) {
      asList(vs.object.spec?.http).forEach((r: any, i: number) => {
        if (typeof r?.fault?.delay?.percent === 'number' && r.fault.delay.percent > 0) {
          report(MESSAGES.Deprecated, vs, ['spec', 'http', i, 'fault', 'delay', 'percent'], 'HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage');
        }
      });
    }
    for (const sc of s.of('Sidecar')) {
      if (sc.object.spec?.outboundTrafficPolicy?.egressProxy) report(MESSAGES.Deprecated, sc, ['spec', 'outboundTrafficPolicy', 'egressProxy'], 'OutboundTrafficPolicy.EgressProxy ignored');
    }
    for (const crd of s.of('CustomResourceDefinition')) {
      const { group, names } = crd.object.spec ?? {};
      if (group === 'rbac.istio.io' && REMOVED_KINDS.includes(names?.kind)) report(MESSAGES.Deprecated, crd, ['spec', 'names', 'kind'], `Custom resource type ${group} ${names.kind} is removed`);
    }
  },
};

export const ANNOTATION_ANALYZERS = [k8sAnnotations, deprecatedFields];
