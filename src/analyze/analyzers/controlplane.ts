/** Control-plane analyzers: webhook addresses of an external control plane, Gateway API CRD versions, selectors a Kubernetes Gateway ignores. */
import { isIP } from 'node:net';
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelsMatch } from '../snapshot.js';

/** The host of a URL as Go's url.Hostname gives it (no brackets around IPv6), or undefined when it does not parse. */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export const externalControlPlane: Analyzer = {
  name: 'externalcontrolplane.ExternalControlPlaneAnalyzer',
  description: 'Checks the webhooks of an external control plane name a usable address (a hostname, not blank, not an IP address)',
  reads: ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  reports: [MESSAGES.InvalidExternalControlPlaneConfig, MESSAGES.ExternalControlPlaneAddressIsNotAHostname],
  run(s, report) {
    const istioWebhooks = [
      ...s.of('ValidatingWebhookConfiguration').filter((r) => r.name === 'istiod-default-validator' || r.name.startsWith('istio-validator')),
      ...s.of('MutatingWebhookConfiguration').filter((r) => r.name.startsWith('istio-sidecar-injector')),
    ];
    for (const r of istioWebhooks) {
      asList(r.object.webhooks).forEach((hook: any, i: number) => {
        const conf = hook?.clientConfig ?? {};
        const path = ['webhooks', i, 'clientConfig'];
        const name = String(hook?.name ?? '');
        if (typeof conf.url === 'string') {
          const host = hostnameOf(conf.url);
          if (host === undefined) report(MESSAGES.InvalidExternalControlPlaneConfig, r, path, conf.url, name, 'was provided in an invalid format');
          else if (isIP(host) !== 0) report(MESSAGES.ExternalControlPlaneAddressIsNotAHostname, r, path, conf.url, name);
        } else if (!conf.service) {
          report(MESSAGES.InvalidExternalControlPlaneConfig, r, path, '', name, 'is blank');
        }
      });
    }
  },
};

/** Istio's minimum version of each Gateway API CRD it processes. */
const MINIMUM_CRD_VERSIONS: Record<string, [number, number, number]> = {
  'grpcroutes.gateway.networking.k8s.io': [1, 1, 0],
  'backendtlspolicies.gateway.networking.k8s.io': [1, 4, 0],
  'tlsroutes.gateway.networking.k8s.io': [1, 5, 0],
  'tcproutes.gateway.networking.k8s.io': [1, 6, 0],
};

export const gatewayApiCrdVersions: Analyzer = {
  name: 'k8sgateway.CRDVersionAnalyzer',
  description: 'Checks installed Gateway API CRDs are at least the version Istio processes (gateway.networking.k8s.io/bundle-version)',
  reads: ['CustomResourceDefinition'],
  reports: [MESSAGES.GatewayAPICRDVersionBelowMinimum],
  run(s, report) {
    for (const crd of s.of('CustomResourceDefinition')) {
      const minimum = MINIMUM_CRD_VERSIONS[crd.name];
      const bv = crd.object.metadata.annotations?.['gateway.networking.k8s.io/bundle-version'];
      const m = typeof bv === 'string' ? /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(bv) : null;
      if (!minimum || !m) continue;
      const installed = [Number(m[1]), Number(m[2]), Number(m[3])];
      const at = installed.findIndex((v, i) => v !== minimum[i]);
      const below = at !== -1 && installed[at] < minimum[at];
      if (below) report(MESSAGES.GatewayAPICRDVersionBelowMinimum, crd, ['metadata', 'annotations'], crd.name, `${m[1]}.${m[2]}.${m[3]}${m[4] ?? ''}${m[5] ?? ''}`, minimum.join('.'));
    }
  },
};

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

export const ineffectiveGatewaySelectors: Analyzer = {
  name: 'k8sgateway.SelectorAnalyzer',
  description: 'Checks policies that select the pods of a Kubernetes Gateway use targetRef (a selector is ignored there)',
  reads: ['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'WasmPlugin', 'Pod'],
  reports: [MESSAGES.IneffectiveSelector],
  run(s, report) {
    const gatewayPods = s.of('Pod').filter((p) => GATEWAY_NAME_LABEL in (p.object.metadata.labels ?? {}));
    if (gatewayPods.length === 0) return;
    for (const kind of ['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'WasmPlugin']) {
      for (const r of s.of(kind)) {
        const spec = r.object.spec ?? {};
        if (spec.targetRef || !spec.selector) continue;
        const match: Record<string, string> = spec.selector.matchLabels ?? {};
        for (const pod of gatewayPods) {
          const l = pod.object.metadata.labels ?? {};
          if (pod.namespace === r.namespace && labelsMatch(match, l)) report(MESSAGES.IneffectiveSelector, r, ['spec', 'selector'], l[GATEWAY_NAME_LABEL]);
        }
      }
    }
  },
};

export const CONTROL_PLANE_ANALYZERS = [externalControlPlane, gatewayApiCrdVersions, ineffectiveGatewaySelectors];
