/** `meshctl route`: send matching requests to one version, the rest to a default version. */
import { composeTraffic, defaultRouteIndex, destination, withSubsets, type ServiceTarget } from './compose.js';
import type { RequestMatch } from './args.js';
import type { K8sObject } from '../manifests/object.js';
import { isDeepStrictEqual } from 'node:util';

export interface RouteOptions extends ServiceTarget {
  match: RequestMatch;
  /** Version that matching requests go to. */
  to: string;
  /** Version that all other requests go to (unchanged when absent). */
  defaultVersion?: string;
  labelKey: string;
  port?: number;
}

/** Inserts (or updates) a matching route before the catch-all route, and points the catch-all at the default version. */
export function routeByMatch(existing: K8sObject[], opts: RouteOptions): K8sObject[] {
  const versions = [opts.to, ...(opts.defaultVersion ? [opts.defaultVersion] : [])];
  return composeTraffic(existing, opts, {
    virtualService(spec) {
      const d = defaultRouteIndex(spec, opts.service);
      if (opts.defaultVersion) spec.http[d].route = [{ destination: destination(opts.service, opts.defaultVersion, opts.port) }];
      const route = [{ destination: destination(opts.service, opts.to, opts.port) }];
      const same = spec.http.findIndex((r: any) => isDeepStrictEqual(r.match, [opts.match]));
      if (same !== -1) spec.http[same].route = route;
      else spec.http.splice(d, 0, { match: [opts.match], route });
      return spec;
    },
    destinationRule: (spec) => withSubsets(spec, versions, opts.labelKey),
  });
}
