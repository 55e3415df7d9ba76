/** `meshctl retry`, `timeout`, `fault`, `mirror` and `circuit-break`: resilience settings for a service's traffic. */
import { composeTraffic, defaultRouteIndex, destination, withSubsets, type ServiceTarget } from './compose.js';
import type { RequestMatch } from './args.js';
import type { K8sObject } from '../manifests/object.js';
import { isDeepStrictEqual } from 'node:util';
import { GATEWAY_DURATION } from '../manifests/syntax.js';
import { UsageError } from '../ui/errors.js';

export interface RetryOptions extends ServiceTarget {
  attempts: number;
  perTryTimeout?: string;
  retryOn?: string[];
}

/**
 * Sets `retries` on every HTTP route of the service: in its VirtualService, or, when the service is routed by
 * a Gateway API HTTPRoute, that route's `retry` (attempts, status codes) and `timeouts.backendRequest`
 * (the timeout of each try).
 */
export function retry(existing: K8sObject[], opts: RetryOptions): K8sObject[] {
  const retries: any = { attempts: opts.attempts };
  if (opts.perTryTimeout) retries.perTryTimeout = opts.perTryTimeout;
  if (opts.retryOn && opts.retryOn.length > 0) retries.retryOn = opts.retryOn.join(',');
  return eachRoute(existing, opts, (r) => void (r.retries = structuredClone(retries)), (rule) => {
    const words = (opts.retryOn ?? []).filter((c) => !/^[1-5]\d\d$/.test(c));
    if (words.length > 0) {
      throw new UsageError(`--retry-on ${words.join(',')}: ${opts.service} is routed by an HTTPRoute, whose retries take HTTP status codes only (e.g. --retry-on 500,502,503)`);
    }
    rule.retry = { ...rule.retry, attempts: opts.attempts };
    if (opts.retryOn && opts.retryOn.length > 0) rule.retry.codes = opts.retryOn.map(Number);
    if (opts.perTryTimeout) rule.timeouts = { ...rule.timeouts, backendRequest: gatewayDuration('--per-try-timeout', opts.perTryTimeout) };
  });
}

/** Sets the request `timeout` on every HTTP route of the service (an HTTPRoute's rules get `timeouts.request`). */
export function timeout(existing: K8sObject[], opts: ServiceTarget & { timeout: string }): K8sObject[] {
  return eachRoute(existing, opts, (r) => void (r.timeout = opts.timeout), (rule) => {
    rule.timeouts = { ...rule.timeouts, request: gatewayDuration('timeout', opts.timeout) };
  });
}

/** A duration in the Gateway API's form (up to four parts of 1–5 digits with h, m, s or ms). */
function gatewayDuration(what: string, value: string): string {
  if (!GATEWAY_DURATION.test(value)) {
    throw new UsageError(`${what} "${value}": an HTTPRoute takes durations of whole h, m, s or ms parts of at most 5 digits (e.g. 1m30s, 500ms)`);
  }
  return value;
}

export interface FaultOptions extends ServiceTarget {
  delay?: string;
  abort?: number;
  percent: number;
  /** Inject only into matching requests (a route of their own, going where the catch-all goes). */
  match?: RequestMatch;
  /** Remove the faults (of the matching route with `match`, else of every route) instead of adding one. */
  clear?: boolean;
}

/**
 * Injects a delay and/or an abort: into matching requests with `match`, otherwise on every HTTP route. A fault
 * composes with the one there: an abort added to a route with a delay keeps the delay (a delay replaces a delay).
 * With `clear`, the faults go instead.
 */
export function fault(existing: K8sObject[], opts: FaultOptions): K8sObject[] {
  const f: any = {};
  if (opts.delay) f.delay = { fixedDelay: opts.delay, percentage: { value: opts.percent } };
  if (opts.abort !== undefined) f.abort = { httpStatus: opts.abort, percentage: { value: opts.percent } };
  const apply = (route: any) => {
    if (opts.clear) delete route.fault;
    else route.fault = { ...(route.fault ?? {}), ...structuredClone(f) };
  };
  if (!opts.match) return eachRoute(existing, opts, apply);
  const match = opts.match;
  return composeTraffic(existing, opts, {
    virtualService(spec) {
      const d = defaultRouteIndex(spec, opts.service);
      const same = spec.http.findIndex((r: any) => isDeepStrictEqual(r.match, [match]));
      if (same !== -1) apply(spec.http[same]);
      else if (!opts.clear) spec.http.splice(d, 0, { match: [match], fault: f, route: structuredClone(spec.http[d].route) });
      return spec;
    },
  });
}

export interface MirrorOptions extends ServiceTarget {
  to: string;
  percent: number;
  labelKey: string;
  port?: number;
}

/** Mirrors a share of the catch-all route's requests to another version (responses to mirrored requests are dropped). */
export function mirror(existing: K8sObject[], opts: MirrorOptions): K8sObject[] {
  return composeTraffic(existing, opts, {
    virtualService(spec) {
      const d = defaultRouteIndex(spec, opts.service);
      spec.http[d].mirror = destination(opts.service, opts.to, opts.port);
      spec.http[d].mirrorPercentage = { value: opts.percent };
      return spec;
    },
    destinationRule: (spec) => withSubsets(spec, [opts.to], opts.labelKey),
  });
}

export interface CircuitBreakOptions extends ServiceTarget {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequestsPerConnection?: number;
  consecutive5xxErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
}

/** Connection-pool limits and outlier detection in the service's DestinationRule traffic policy. */
export function circuitBreak(existing: K8sObject[], opts: CircuitBreakOptions): K8sObject[] {
  const pool: any = {};
  if (opts.maxConnections !== undefined) pool.tcp = { maxConnections: opts.maxConnections };
  const http: any = {};
  if (opts.maxPendingRequests !== undefined) http.http1MaxPendingRequests = opts.maxPendingRequests;
  if (opts.maxRequestsPerConnection !== undefined) http.maxRequestsPerConnection = opts.maxRequestsPerConnection;
  if (Object.keys(http).length > 0) pool.http = http;
  const outlier: any = {};
  if (opts.consecutive5xxErrors !== undefined) outlier.consecutive5xxErrors = opts.consecutive5xxErrors;
  if (opts.interval) outlier.interval = opts.interval;
  if (opts.baseEjectionTime) outlier.baseEjectionTime = opts.baseEjectionTime;
  if (opts.maxEjectionPercent !== undefined) outlier.maxEjectionPercent = opts.maxEjectionPercent;
  return composeTraffic(existing, opts, {
    destinationRule(spec) {
      spec.trafficPolicy ??= {};
      const tp = spec.trafficPolicy;
      if (pool.tcp) tp.connectionPool = { ...tp.connectionPool, tcp: { ...tp.connectionPool?.tcp, ...pool.tcp } };
      if (pool.http) tp.connectionPool = { ...tp.connectionPool, http: { ...tp.connectionPool?.http, ...pool.http } };
      if (Object.keys(outlier).length > 0) tp.outlierDetection = { ...tp.outlierDetection, ...outlier };
      return spec;
    },
  });
}

function eachRoute(existing: K8sObject[], target: ServiceTarget, fn: (route: any) => void, ruleFn?: (rule: any) => void): K8sObject[] {
  return composeTraffic(existing, target, {
    virtualService(spec) {
      if (!spec.http || spec.http.length === 0) defaultRouteIndex(spec, target.service);
      spec.http.forEach(fn);
      return spec;
    },
    httpRoute: ruleFn && ((spec) => {
      if (!Array.isArray(spec.rules) || spec.rules.length === 0) spec.rules = [{ backendRefs: [{ name: target.service }] }];
      spec.rules.forEach(ruleFn);
      return spec;
    }),
  });
}
