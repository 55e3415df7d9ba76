/** `meshctl split`: weighted traffic between versions of a service. */
import { composeTraffic, defaultRouteIndex, destination, withSubsets, GATEWAY_API, type ServiceTarget } from './compose.js';
import type { VersionWeight } from './args.js';
import type { K8sObject } from '../manifests/object.js';

export interface SplitOptions extends ServiceTarget {
  weights: VersionWeight[];
  /** Pod label that tells versions apart (default `version`). */
  labelKey: string;
  /** Service port; required for the Gateway API form. */
  port?: number;
  /** Pod label naming the app, for the per-version Services of the Gateway API form (default `app`). */
  appLabel: string;
}

/** Istio form: the catch-all route of the service's VirtualService gets weighted subsets; the DestinationRule gets the subsets. */
export function splitIstio(existing: K8sObject[], opts: SplitOptions): K8sObject[] {
  return composeTraffic(existing, opts, {
    virtualService(spec) {
      const i = defaultRouteIndex(spec, opts.service);
      spec.http[i].route = opts.weights.map((w) => ({ destination: destination(opts.service, w.version, opts.port), weight: w.weight }));
      return spec;
    },
    destinationRule: (spec) => withSubsets(spec, opts.weights.map((w) => w.version), opts.labelKey),
  });
}

/**
 * Gateway API form (honoured by Istio and Linkerd): an HTTPRoute attached to the Service itself with
 * weighted backendRefs to one Service per version (`SERVICE-v1`, …), and those Services.
 */
export function splitGatewayApi(existing: K8sObject[], opts: SplitOptions & { port: number }): K8sObject[] {
  const { service, namespace, port } = opts;
  const route: K8sObject = {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: service, namespace },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: service, port }],
      rules: [{ backendRefs: opts.weights.map((w) => ({ name: `${service}-${w.version}`, port, weight: w.weight })) }],
    },
  };
  const services: K8sObject[] = opts.weights.map((w) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${service}-${w.version}`, namespace, labels: { [opts.appLabel]: service, [opts.labelKey]: w.version } },
    spec: {
      selector: { [opts.appLabel]: service, [opts.labelKey]: w.version },
      ports: [{ name: 'http', port, targetPort: port }],
    },
  }));
  const previous = existing.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === service && (o.metadata.namespace ?? namespace) === namespace);
  if (previous) {
    // keep the route's other rules (matches); replace only the catch-all rule's backends
    const spec = structuredClone(previous.spec ?? {});
    spec.parentRefs ??= route.spec.parentRefs;
    spec.rules ??= [];
    const i = spec.rules.findIndex((r: any) => !r.matches || r.matches.length === 0);
    if (i === -1) spec.rules.push(route.spec.rules[0]);
    else spec.rules[i].backendRefs = route.spec.rules[0].backendRefs;
    route.spec = spec;
    route.metadata = structuredClone(previous.metadata);
  }
  return composeTraffic(existing, opts, { objects: [route, ...services] });
}
