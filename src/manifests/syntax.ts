/**
 * The syntax of values in Kubernetes and Istio resources (names, durations, header names, methods, RE2
 * regexes), shared by the generators' argument checks and the validator's rules. Pure.
 */

/** A DNS-1123 label: namespaces, most object names' parts, subset names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: object names, host names. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1035 label: Service names (must start with a letter). */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The name part of a label key or value: alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Whether `key` is a Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63. */
export function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  return name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
}

/** Whether `value` is a Kubernetes label value: empty, or a name of at most 63 characters. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}
/** A Go-style duration as Istio takes it: 500ms, 2s, 1m30s. */
export const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;
/** A Gateway API Duration (GEP-2257): one to four parts of 1–5 digits with h, m, s or ms. */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** The longest Go time.Duration (what Kubernetes' CEL duration() and Envoy accept): 2562047h47m16.854775807s, in ms. */
export const MAX_DURATION_MS = 9_223_372_036_854.775;
/** The largest int32 (Istio's and Kubernetes' int32 fields). */
export const INT32_MAX = 2_147_483_647;
/** An HTTP header name (an RFC 7230 token). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** Milliseconds in a Go-style duration such as `1m30s` or `500ms`. */
export function durationMs(value: string): number {
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/**
 * Why a duration would be refused (not Go duration syntax with units, under Istio's 1ms minimum, or over the
 * longest Go duration), or undefined. The one rule for the generators' flags, meshctl's own timeouts and the
 * validator.
 */
export function durationProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !DURATION.test(value)) return 'is not a duration (use a number with a unit: 500ms, 2s, 1m, 1h30m)';
  const ms = durationMs(value);
  if (ms < 1) return 'is too short (the minimum is 1ms)';
  if (ms > MAX_DURATION_MS) return 'is too long (the maximum is 2562047h47m16s)';
  return undefined;
}

/** Retry conditions Envoy understands (HTTP and gRPC); bare HTTP status codes are accepted too. */
export const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;

/** Whether a retryOn entry is a condition Envoy knows or an HTTP status code. */
export function isRetryCondition(value: string): boolean {
  return (RETRY_ON as readonly string[]).includes(value) || /^[1-5]\d\d$/.test(value);
}

/** Why a regex would be refused by Envoy's RE2 engine (lookarounds, backreferences, not compiling), or undefined. */
export function re2Problem(pattern: string): string | undefined {
  if (/\(\?[=!]|\(\?<[=!]|\\[1-9]|\\k</.test(pattern)) return `"${pattern}": lookarounds and backreferences are not supported by Envoy's RE2 regex engine`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `"${pattern}" is an invalid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  return undefined;
}

/** Protocols Istio recognises (case-insensitive), from a port's appProtocol or the prefix of its name. */
const PROTOCOLS = ['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql', 'doublehbone'];
const K8S_APP_PROTOCOLS = ['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];
/** Ports that default to TCP when no protocol is given (SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_PORTS = [25, 53, 3306, 27017];

/**
 * Whether Istio can tell the protocol of a Service port (Istio's ConvertProtocol is not Unsupported): its
 * appProtocol or its name's `<protocol>[-<suffix>]` prefix, UDP, or a well-known port.
 */
export function portProtocolKnown(port: { name?: unknown; port?: unknown; protocol?: unknown; appProtocol?: unknown }): boolean {
  if (String(port.protocol).toUpperCase() === 'UDP') return true;
  const name = typeof port.appProtocol === 'string' ? port.appProtocol : typeof port.name === 'string' ? port.name : '';
  if (K8S_APP_PROTOCOLS.includes(name) || name.toLowerCase().startsWith('grpc-web')) return true;
  const prefix = name.includes('-') ? name.slice(0, name.indexOf('-')) : name;
  return PROTOCOLS.includes(prefix.toLowerCase()) || WELL_KNOWN_PORTS.includes(Number(port.port));
}

/** A path segment Envoy takes literally (RFC 3986 pchar), as Istio checks the segments of template paths. */
const PATH_LITERAL = /^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/;

/**
 * Why istiod refuses an AuthorizationPolicy path, or undefined: `{*}` and `{**}` templates must be whole
 * segments, `{**}` must be the last operator, no other `{` or `}`, and the other segments of a template path
 * must be plain literals. A `*` elsewhere is accepted by istiod (it only matches literally).
 */
export function pathTemplateProblem(path: string): string | undefined {
  const template = path.includes('{*}') || path.includes('{**}');
  let anySeen = false;
  for (const glob of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if ((glob === '{*}' || glob === '{**}') && anySeen) return '{**} must be the last operator of a path template';
    if (glob === '{**}') anySeen = true;
    if (glob === '{*}' || glob === '{**}') continue;
    if (/[{}]/.test(glob)) return '{ and } are only allowed in the path templates {*} and {**}, as whole segments';
    if (template && !PATH_LITERAL.test(glob)) return `segment "${glob}" of a path template is not a plain literal`;
  }
  return undefined;
}

/** Istio's first-label wildcard forms: `*`, `*suffix`, `*-suffix`, or a DNS label (IsWildcardDNS1123Label). */
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/** Why a host is not valid for Istio (FQDN, short name, `*` or `*.suffix`), or undefined. */
export function hostProblem(host: unknown, allowNamespacePrefix = false): string | undefined {
  if (typeof host !== 'string' || host === '') return 'must be a non-empty host name';
  let h = host;
  if (allowNamespacePrefix && h.includes('/')) {
    const [ns, rest] = h.split('/', 2);
    if (ns !== '*' && ns !== '.' && ns !== '~' && !DNS1123_LABEL.test(ns)) return `namespace "${ns}" in "${host}" is not valid (a DNS label, *, . or ~)`;
    h = rest;
  }
  if (h === '*') return undefined;
  if (h.startsWith('*')) {
    // a wildcard only in the first label, as Istio's ValidateWildcardDomain: *.example.com, and also *x.example.com
    const dot = h.indexOf('.');
    const first = dot === -1 ? h : h.slice(0, dot);
    if (!WILDCARD_LABEL.test(first.toLowerCase()) || first.length > 63) return `"${host}": a wildcard is only allowed as the first label (*.example.com)`;
    if (dot === -1) return undefined;
    h = h.slice(dot + 1);
  } else if (h.includes('*')) return `"${host}": a wildcard is only allowed as the first label (*.example.com)`;
  // istiod accepts upper-case letters in hosts (its DNS-1123 label format allows them)
  if (h.length > 253 || !DNS1123_SUBDOMAIN.test(h.toLowerCase())) return `"${host}" is not a valid host name (DNS labels separated by dots)`;
  return undefined;
}
