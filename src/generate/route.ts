/** `meshctl route`: send matching requests to one version, the rest to a default version. */
import { composeTraffic, defaultRouteIndex, destination, isDestinationRuleFor, isMeshVirtualServiceFor, withSubsets, type ServiceTarget } from './compose.js';
import type { RequestMatch } from './args.js';
import type { K8sObject } from '../manifests/object.js';
import { isDeepStrictEqual } from 'node:util';

export interface RouteOptions extends ServiceTarget {
  match: RequestMatch;
  /** Version that matching requests go to (absent with `clear`). */
  to?: string;
  /** Version that all other requests go to (unchanged when absent). */
  defaultVersion?: string;
  labelKey: string;
  port?: number;
  /** Remove the route for `match` instead (the subsets only it used go with it, when meshctl added them). */
  clear?: boolean;
}

/** Whether the service's VirtualServices in `existing` have a route for exactly `match`. */
export function hasRouteFor(existing: K8sObject[], opts: ServiceTarget & { match: RequestMatch }): boolean {
  return existing.some((o) => isMeshVirtualServiceFor(o, opts) && ((o.spec?.http ?? []) as any[]).some((r) => isDeepStrictEqual(r.match, [opts.match])));
}

/** Inserts (or updates) a matching route before the catch-all route, and points the catch-all at the default version. */
export function routeByMatch(existing: K8sObject[], opts: RouteOptions): K8sObject[] {
  if (opts.clear) {
    // nothing to clear: the resources come back as they are (the command says so when it was given some)
    if (!hasRouteFor(existing, opts)) return existing.map((o) => structuredClone(o));
    const hasRule = existing.some((o) => isDestinationRuleFor(o, opts));
    return composeTraffic(existing, opts, {
      virtualService(spec) {
        spec.http = ((spec.http ?? []) as any[]).filter((r) => !isDeepStrictEqual(r.match, [opts.match]));
        return spec;
      },
      // unchanged but for the pruning of the subsets meshctl added that nothing routes to any more
      destinationRule: hasRule ? (spec) => spec : undefined,
    });
  }
  const to = opts.to!;
  const versions = [to, ...(opts.defaultVersion ? [opts.defaultVersion] : [])];
  return composeTraffic(existing, opts, {
    virtualService(spec) {
      const d = defaultRouteIndex(spec, opts.service);
      if (opts.defaultVersion) spec.http[d].route = [{ destination: destination(opts.service, opts.defaultVersion, opts.port) }];
      const route = [{ destination: destination(opts.service, to, opts.port) }];
      const same = spec.http.findIndex((r: any) => isDeepStrictEqual(r.match, [opts.match]));
      if (same !== -1) spec.http[same].route = route;
      else spec.http.splice(d, 0, { match: [opts.match], route });
      return spec;
    },
    destinationRule: (spec) => withSubsets(spec, versions, opts.labelKey),
  });
}
