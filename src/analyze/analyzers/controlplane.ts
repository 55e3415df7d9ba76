/** Control-plane analyzers: webhook addresses of an external control plane, Gateway API CRD versions, selectors a Kubernetes Gateway ignores. */
import { isIP } from 'node:net';
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { labelSelectorMatches, labelsMatch, MULTI_CLUSTER_SECRET_LABEL, type Resource } from '../snapshot.js';

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

/** The revisions an injection webhook configuration serves (its istio.io/rev label and its selectors). */
function revisionsOf(r: Resource): string[] {
  const out = new Set<string>();
  const rev = r.object.metadata.labels?.['istio.io/rev'];
  if (rev !== undefined) out.add(rev);
  for (const w of asList(r.object.webhooks)) {
    for (const sel of [w?.namespaceSelector, w?.objectSelector]) {
      if (!sel) continue;
      if (sel.matchLabels?.['istio.io/rev'] !== undefined) out.add(sel.matchLabels['istio.io/rev']);
      for (const e of asList(sel.matchExpressions)) if (e?.key === 'istio.io/rev') for (const v of asList(e.values)) out.add(String(v));
    }
  }
  return [...out];
}

export const injectionWebhooks: Analyzer = {
  name: 'webhook.Analyzer',
  description: 'Checks Istio\'s injection webhooks do not overlap (a pod injected twice) and call a control-plane Service that exists',
  reads: ['MutatingWebhookConfiguration', 'Service'],
  reports: [MESSAGES.InvalidWebhook],
  run(s, report) {
    const hooks: { id: string; r: Resource; w: any }[] = [];
    const revisions = new Set<string>();
    for (const r of s.of('MutatingWebhookConfiguration')) {
      const revs = revisionsOf(r);
      if (revs.length === 0 && !asList(r.object.webhooks).some((w: any) => String(w?.name ?? '').endsWith('istio.io'))) continue;
      for (const w of asList(r.object.webhooks)) hooks.push({ id: `${r.name}/${w?.name}`, r, w });
      for (const rev of revs) revisions.add(rev);
    }
    // every namespace and pod labelling that matters for injection, with each revision
    const nsBase: Record<string, string>[] = [{}, { 'istio-injection': 'enabled' }, { 'istio-injection': 'disabled' }];
    const podBase: Record<string, string>[] = [{}, { 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }];
    const withRevisions = (base: Record<string, string>[]) => [...base, ...[...revisions].flatMap((rev) => base.map((b) => ({ ...b, 'istio.io/rev': rev })))];
    const reported = new Set<string>();
    for (const nl of withRevisions(nsBase)) {
      for (const ol of withRevisions(podBase)) {
        const matches = hooks.filter((h) => labelSelectorMatches(h.w?.namespaceSelector, nl) && labelSelectorMatches(h.w?.objectSelector, ol));
        if (matches.length < 2) continue;
        for (const h of matches) {
          const others = matches.filter((o) => o !== h).map((o) => o.id).sort();
          const text = `Webhook overlaps with others: [${others.join(' ')}]. This may cause injection to occur twice.`;
          if (reported.has(`${h.id}|${text}`)) continue;
          reported.add(`${h.id}|${text}`);
          report(MESSAGES.InvalidWebhook, h.r, ['webhooks'], text);
        }
      }
    }
    const services = new Set(s.of('Service').map((svc) => `${svc.namespace}/${svc.name}`));
    for (const h of hooks) {
      const svc = h.w?.clientConfig?.service;
      if (svc && !services.has(`${svc.namespace}/${svc.name}`)) {
        report(MESSAGES.InvalidWebhook, h.r, ['webhooks'], `Injector refers to a control plane service that does not exist: ${svc.namespace}/${svc.name}.`);
      }
    }
  },
};

/** The service registries Istio knows without remote clusters (its registry IDs, compared as written). */
const BUILT_IN_REGISTRIES = ['Mock', 'Kubernetes', 'External'];

export const meshNetworks: Analyzer = {
  name: 'meshnetworks.MeshNetworksAnalyzer',
  description: 'Checks each network\'s endpoints in the mesh networks name a known service registry (Kubernetes, External, or a remote cluster\'s secret)',
  reads: ['MeshNetworks', 'Secret'],
  reports: [MESSAGES.UnknownMeshNetworksServiceRegistry],
  run(s, report) {
    const known = new Set(BUILT_IN_REGISTRIES);
    for (const secret of s.of('Secret')) {
      if (secret.object.metadata.labels?.[MULTI_CLUSTER_SECRET_LABEL] !== 'true') continue;
      for (const field of ['data', 'stringData']) for (const cluster of Object.keys(secret.object[field] ?? {})) known.add(cluster);
    }
    for (const mn of s.of('MeshNetworks')) {
      for (const [name, network] of Object.entries<any>(mn.object.networks ?? {})) {
        asList(network?.endpoints).forEach((e: any, j: number) => {
          if (typeof e?.fromRegistry === 'string' && !known.has(e.fromRegistry)) {
            report(MESSAGES.UnknownMeshNetworksServiceRegistry, mn, ['networks', name, 'endpoints', j], e.fromRegistry, name);
          }
        });
      }
    }
  },
};

export const CONTROL_PLANE_ANALYZERS = [externalControlPlane, gatewayApiCrdVersions, ineffectiveGatewaySelectors, injectionWebhooks, meshNetworks];
