/**
 * Semantic rules the schemas cannot express, learned from Istio's own validation and written here as
 * facts. Pure: an object in, findings out (each with the field path it is about).
 */
import type { FieldPath } from '../manifests/documents.js';
import { asList, type K8sObject } from '../manifests/object.js';
import {
  DNS1123_LABEL, DNS1123_SUBDOMAIN, durationProblem, hostProblem, isRetryCondition, HEADER_NAME, HTTP_METHODS, pathTemplateProblem, portProtocolKnown,
  re2Problem,
} from '../manifests/syntax.js';
import { isIstioOperator, istioOperatorProblems } from './istio-operator.js';

export interface RuleFinding {
  path: FieldPath;
  message: string;
  severity: 'error' | 'warning';
  /** Short id of the rule, for tests and suppression. */
  rule: string;
  /** Point at the key rather than the value (a bad map key such as a header name). */
  atKey?: boolean;
}

/** The value when it is a mapping, else an empty one. */
const map = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});

type Check = (obj: K8sObject, add: (rule: string, path: FieldPath, message: string, severity?: 'error' | 'warning', atKey?: boolean) => void) => void;

function checkDuration(add: Parameters<Check>[1], path: FieldPath, value: unknown): void {
  if (value === undefined) return;
  const why = durationProblem(value);
  if (why) add('duration', path, `"${value}" ${why}`);
}

function checkStringMatch(add: Parameters<Check>[1], path: FieldPath, m: any): void {
  if (!m || typeof m !== 'object') return;
  const kinds = ['exact', 'prefix', 'regex'].filter((k) => k in m);
  if (kinds.length > 1) add('string-match', path, `sets ${kinds.join(' and ')}; a string match takes exactly one of exact, prefix, regex`);
  if (typeof m.regex === 'string') {
    const why = re2Problem(m.regex);
    if (why) add('regex', [...path, 'regex'], why);
  }
}

function checkPort(add: Parameters<Check>[1], path: FieldPath, port: unknown): void {
  if (port === undefined) return;
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) add('port', path, `port ${JSON.stringify(port)} is not in 1–65535`);
}

function checkPercent(add: Parameters<Check>[1], path: FieldPath, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || value < 0 || value > 100) add('percent', path, `${JSON.stringify(value)} is not a percentage from 0 to 100`);
}

const virtualService: Check = (o, add) => {
  const spec = o.spec ?? {};
  const gateways: string[] = asList(spec.gateways);
  const mesh = gateways.length === 0 || gateways.includes('mesh');
  if (asList(spec.http).length === 0 && asList(spec.tcp).length === 0 && asList(spec.tls).length === 0 && !o.spec?.delegate) {
    add('routes-required', ['spec'], 'a VirtualService needs http, tcp or tls routes');
  }
  gateways.forEach((g: unknown, i: number) => {
    const why = gatewayNameProblem(g);
    if (why) add('gateway-name', ['spec', 'gateways', i], why);
  });
  asList(spec.hosts).forEach((h: unknown, i: number) => {
    const why = hostProblem(h);
    if (why) add('host', ['spec', 'hosts', i], why);
    else if (h === '*' && mesh) add('host', ['spec', 'hosts', i], 'the wildcard host "*" is not allowed for a VirtualService bound to the mesh (set gateways)');
  });
  asList(spec.http).forEach((r: any, i: number) => {
    const base: FieldPath = ['spec', 'http', i];
    const routes: any[] = asList(r?.route);
    if (!r?.redirect && !r?.directResponse && !r?.delegate && routes.length === 0) add('route-required', base, 'an HTTP route needs route, redirect, directResponse or delegate');
    if (r?.redirect && routes.length > 0) add('redirect-route', base, 'redirect and route cannot be set together');
    let sum = 0;
    routes.forEach((d: any, j: number) => {
      const p: FieldPath = [...base, 'route', j];
      if (typeof d?.weight === 'number') {
        if (d.weight < 0 || !Number.isInteger(d.weight)) add('weight', [...p, 'weight'], 'must be an integer >= 0');
        sum += d.weight;
      }
      if (d?.destination) {
        const why = hostProblem(d.destination.host);
        if (why) add('host', [...p, 'destination', 'host'], why);
        else if (d.destination.host.includes('*')) add('host', [...p, 'destination', 'host'], 'a destination host cannot be a wildcard');
        checkPort(add, [...p, 'destination', 'port', 'number'], d.destination.port?.number);
      }
    });
    if (routes.length > 1 && routes.every((d) => typeof d?.weight === 'number')) {
      if (sum === 0) add('weight-sum', [...base, 'route'], 'every weight is 0: no destination would get traffic');
      else if (sum !== 100) add('weight-sum', [...base, 'route'], `weights add up to ${sum}; traffic is split in proportion (weight/${sum}), which is rarely meant`, 'warning');
    }
    checkDuration(add, [...base, 'timeout'], r?.timeout);
    if (r?.retries) {
      checkDuration(add, [...base, 'retries', 'perTryTimeout'], r.retries.perTryTimeout);
      if (typeof r.retries.attempts === 'number' && r.retries.attempts < 0) add('retries', [...base, 'retries', 'attempts'], 'must be >= 0');
      if (typeof r.retries.retryOn === 'string') {
        for (const c of r.retries.retryOn.split(',').map((s: string) => s.trim())) {
          if (!isRetryCondition(c)) add('retry-on', [...base, 'retries', 'retryOn'], `"${c}" is not a retry condition Envoy knows`);
        }
      }
    }
    if (r?.fault) {
      checkDuration(add, [...base, 'fault', 'delay', 'fixedDelay'], r.fault.delay?.fixedDelay);
      checkPercent(add, [...base, 'fault', 'delay', 'percentage', 'value'], r.fault.delay?.percentage?.value);
      checkPercent(add, [...base, 'fault', 'abort', 'percentage', 'value'], r.fault.abort?.percentage?.value);
      const status = r.fault.abort?.httpStatus;
      if (status !== undefined && (typeof status !== 'number' || status < 200 || status > 599)) add('fault', [...base, 'fault', 'abort', 'httpStatus'], `HTTP status ${status} is not in 200–599`);
    }
    checkPercent(add, [...base, 'mirrorPercentage', 'value'], r?.mirrorPercentage?.value);
    if (r?.mirrorPercent !== undefined && r?.mirrorPercent !== null) {
      const v = typeof r.mirrorPercent === 'object' ? r.mirrorPercent.value : r.mirrorPercent;
      if (typeof v === 'number' && v > 100) add('mirror', [...base, 'mirrorPercent'], `mirror_percent must have a max value of 100 (it has ${v})`);
      // Istio's own wording for the deprecated fields it warns about
      add('deprecated', [...base, 'mirrorPercent'], 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead', 'warning');
    }
    asList(r?.match).forEach((m: any, k: number) => {
      const mp: FieldPath = [...base, 'match', k];
      for (const f of ['uri', 'scheme', 'method', 'authority']) checkStringMatch(add, [...mp, f], m?.[f]);
      for (const table of ['headers', 'queryParams', 'withoutHeaders']) {
        for (const [name, sm] of Object.entries(map(m?.[table]))) {
          // `@request.auth.claims.NAME` matches a JWT claim (honoured on gateways), not a header
          if (table !== 'queryParams' && !HEADER_NAME.test(name) && !name.startsWith('@request.auth.claims.')) add('header-name', [...mp, table, name], `"${name}" is not a valid header name`, 'error', true);
          else if (table !== 'queryParams' && name !== name.toLowerCase()) add('header-name', [...mp, table, name], `header "${name}" must be lowercase (Envoy matches lowercase header names)`, 'warning', true);
          checkStringMatch(add, [...mp, table, name], sm);
        }
      }
      checkPort(add, [...mp, 'port'], m?.port);
    });
  });
};

const destinationRule: Check = (o, add) => {
  const spec = o.spec ?? {};
  const why = hostProblem(spec.host);
  if (why) add('host', ['spec', 'host'], why);
  const seen = new Map<string, number>();
  asList(spec.subsets).forEach((s: any, i: number) => {
    if (typeof s?.name !== 'string') return;
    if (seen.has(s.name)) add('duplicate-subset', ['spec', 'subsets', i, 'name'], `subset "${s.name}" is defined twice (also at subsets[${seen.get(s.name)}])`);
    seen.set(s.name, i);
    if (!DNS1123_LABEL.test(s.name)) add('subset-name', ['spec', 'subsets', i, 'name'], `subset name "${s.name}" must be a DNS label`);
  });
  const policies: [FieldPath, any][] = [[['spec', 'trafficPolicy'], spec.trafficPolicy], ...asList(spec.subsets).map((s: any, i: number) => [['spec', 'subsets', i, 'trafficPolicy'], s?.trafficPolicy] as [FieldPath, any])];
  for (const [p, tp] of policies) {
    if (!tp) continue;
    checkDuration(add, [...p, 'connectionPool', 'tcp', 'connectTimeout'], tp.connectionPool?.tcp?.connectTimeout);
    checkDuration(add, [...p, 'outlierDetection', 'interval'], tp.outlierDetection?.interval);
    checkDuration(add, [...p, 'outlierDetection', 'baseEjectionTime'], tp.outlierDetection?.baseEjectionTime);
    checkPercent(add, [...p, 'outlierDetection', 'maxEjectionPercent'], tp.outlierDetection?.maxEjectionPercent);
    if (tp.outlierDetection?.consecutiveErrors) {
      add('deprecated', [...p, 'outlierDetection', 'consecutiveErrors'], 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead', 'warning');
    }
    for (const [lp, lb] of [[[...p, 'loadBalancer'], tp.loadBalancer], ...asList(tp.portLevelSettings).map((pl: any, i: number) => [[...p, 'portLevelSettings', i, 'loadBalancer'], pl?.loadBalancer])] as [FieldPath, any][]) {
      if (lb?.consistentHash?.minimumRingSize) {
        add('deprecated', [...lp, 'consistentHash', 'minimumRingSize'], 'consistent hash MinimumRingSize is deprecated, use ConsistentHashLB\'s RingHash configuration instead', 'warning');
      }
    }
    const ports = new Map<number, number>();
    asList(tp.portLevelSettings).forEach((pl: any, i: number) => {
      const n = pl?.port?.number;
      if (n === undefined) add('port-level', [...p, 'portLevelSettings', i], 'portLevelSettings needs port.number');
      else if (ports.has(n)) add('port-level', [...p, 'portLevelSettings', i, 'port', 'number'], `port ${n} has settings twice`);
      else ports.set(n, i);
      checkPort(add, [...p, 'portLevelSettings', i, 'port', 'number'], n);
    });
  }
};

const gateway: Check = (o, add) => {
  const names = new Map<string, number>();
  if (asList(o.spec?.servers).length === 0) add('servers-required', ['spec'], 'a Gateway needs at least one server');
  asList(o.spec?.servers).forEach((s: any, i: number) => {
    const p: FieldPath = ['spec', 'servers', i];
    checkPort(add, [...p, 'port', 'number'], s?.port?.number);
    const name = s?.port?.name;
    if (typeof name === 'string') {
      if (names.has(name)) add('server-port-name', [...p, 'port', 'name'], `port name "${name}" is used by servers[${names.get(name)}] too; server port names must be unique`);
      names.set(name, i);
    }
    if (!Array.isArray(s?.hosts) || s.hosts.length === 0) add('server-hosts', [...p, 'hosts'], 'a server needs at least one host');
    asList(s?.hosts).forEach((h: unknown, j: number) => {
      const why = hostProblem(h, true);
      if (why) add('host', [...p, 'hosts', j], why);
    });
    const protocol = String(s?.port?.protocol ?? '').toUpperCase();
    const mode = s?.tls?.mode;
    if ((protocol === 'HTTPS' || protocol === 'TLS') && !s?.tls) add('server-tls', p, `a ${protocol} server needs tls settings`);
    if ((mode === 'SIMPLE' || mode === 'MUTUAL') && !s.tls.credentialName && !(s.tls.serverCertificate && s.tls.privateKey) && !s.tls.credentialNames) {
      add('server-tls', [...p, 'tls'], `tls mode ${mode} needs credentialName (or serverCertificate and privateKey)`);
    }
  });
};

const peerAuthentication: Check = (o, add) => {
  const spec = o.spec ?? {};
  const plm = map(spec.portLevelMtls);
  if (Object.keys(plm).length > 0) {
    // reported on spec, where Istio's CEL rule reports the same condition
    if (Object.keys(map(spec.selector?.matchLabels)).length === 0) add('port-level-mtls', ['spec'], 'portLevelMtls needs a workload selector');
    for (const port of Object.keys(plm)) checkPort(add, ['spec', 'portLevelMtls', port], port);
  }
};

/** `*`, or a value with at most one `*`, at its start or its end. */
const PRINCIPAL = /^(\*|\*[^*]+|[^*]+\*?)$/;

const authorizationPolicy: Check = (o, add) => {
  const spec = o.spec ?? {};
  const action = spec.action ?? 'ALLOW';
  if (action === 'CUSTOM' && !spec.provider) add('authz-custom', ['spec', 'action'], 'action CUSTOM needs a provider');
  if (spec.provider && action !== 'CUSTOM') add('authz-custom', ['spec', 'provider'], 'provider is only used with action CUSTOM');
  // istiod refuses a DENY policy without rules (it would never trigger); an AUDIT one is only pointless
  if ((action === 'DENY' || action === 'AUDIT') && (!spec.rules || spec.rules.length === 0)) {
    add('authz-empty', ['spec'], `a ${action} policy without rules matches nothing${action === 'DENY' ? ' (add an empty rule {} to deny every request)' : ''}`, action === 'DENY' ? 'error' : 'warning');
  }
  asList(spec.rules).forEach((r: any, i: number) => {
    const p: FieldPath = ['spec', 'rules', i];
    if (action === 'ALLOW' && r && Object.keys(r).length === 0) add('authz-empty', p, 'an empty rule in an ALLOW policy allows every request', 'warning');
    asList(r?.from).forEach((f: any, j: number) => {
      const s = f?.source ?? {};
      for (const field of ['principals', 'notPrincipals']) {
        asList(s[field]).forEach((pr: unknown, k: number) => {
          if (typeof pr !== 'string' || !PRINCIPAL.test(pr)) add('principal', [...p, 'from', j, 'source', field, k], `"${pr}": a principal has at most one *, at the start or the end`);
          else if (pr !== '*' && !pr.includes('*') && !/^[^/]+\/ns\/[^/]+\/sa\/[^/]+$/.test(pr)) add('principal', [...p, 'from', j, 'source', field, k], `"${pr}" is not of the form <trust-domain>/ns/<namespace>/sa/<service-account>`, 'warning');
        });
      }
      for (const field of ['namespaces', 'notNamespaces']) {
        asList(s[field]).forEach((ns: unknown, k: number) => {
          if (typeof ns !== 'string' || (!ns.includes('*') && !DNS1123_LABEL.test(ns)) || (ns.match(/\*/g) ?? []).length > 1) add('namespace', [...p, 'from', j, 'source', field, k], `"${ns}" is not a namespace name (a DNS label, with at most one * at the start or end)`);
        });
      }
    });
    asList(r?.to).forEach((t: any, j: number) => {
      const op = t?.operation ?? {};
      const tp: FieldPath = [...p, 'to', j, 'operation'];
      for (const field of ['methods', 'notMethods']) {
        asList(op[field]).forEach((m: unknown, k: number) => {
          if (typeof m === 'string' && !HTTP_METHODS.includes(m) && HTTP_METHODS.includes(m.toUpperCase())) add('method', [...tp, field, k], `"${m}" should be "${m.toUpperCase()}" (methods are case-sensitive)`, 'warning');
        });
      }
      for (const field of ['paths', 'notPaths']) {
        asList(op[field]).forEach((pa: unknown, k: number) => {
          if (typeof pa !== 'string') return;
          const why = pathTemplateProblem(pa);
          if (why) add('path', [...tp, field, k], `"${pa}": ${why}`);
          else if (!pa.includes('{*') && /.\*./.test(pa)) add('path', [...tp, field, k], `"${pa}": a * inside a path matches only a literal * (use it at the start or the end, or a {*} / {**} template)`, 'warning');
        });
      }
      for (const field of ['ports', 'notPorts']) asList(op[field]).forEach((port: unknown, k: number) => checkPort(add, [...tp, field, k], port));
    });
  });
};

const requestAuthentication: Check = (o, add) => {
  asList(o.spec?.jwtRules).forEach((r: any, i: number) => {
    // istiod needs one of the two (the issuer can be learnt from the keys' URI)
    const given = (v: unknown) => typeof v === 'string' && v !== '';
    if (!given(r?.issuer) && !given(r?.jwksUri)) add('jwt-issuer', ['spec', 'jwtRules', i], 'a JWT rule needs an issuer or a jwksUri');
  });
};

const serviceEntry: Check = (o, add) => {
  const spec = o.spec ?? {};
  asList(spec.hosts).forEach((h: unknown, i: number) => {
    const why = hostProblem(h);
    if (why) add('host', ['spec', 'hosts', i], why);
  });
  const numbers = new Map<number, number>();
  asList(spec.ports).forEach((p: any, i: number) => {
    checkPort(add, ['spec', 'ports', i, 'number'], p?.number);
    // reported on spec.ports, where Istio's CEL rule reports the same condition
    if (numbers.has(p?.number)) add('port', ['spec', 'ports'], `port ${p.number} is declared twice (ports[${numbers.get(p.number)}] and ports[${i}])`);
    numbers.set(p?.number, i);
  });
  if (spec.resolution === 'DNS' && asList(spec.hosts).some((h: string) => typeof h === 'string' && h.includes('*')) && !(spec.endpoints?.length > 0)) {
    add('resolution', ['spec', 'resolution'], 'resolution DNS with a wildcard host needs endpoints');
  }
};

const sidecar: Check = (o, add) => {
  asList(o.spec?.egress).forEach((e: any, i: number) => {
    asList(e?.hosts).forEach((h: unknown, j: number) => {
      if (typeof h !== 'string' || !h.includes('/')) add('host', ['spec', 'egress', i, 'hosts', j], `"${h}" must be of the form namespace/host (e.g. ./* or istio-system/*)`);
      else {
        const why = hostProblem(h, true);
        if (why) add('host', ['spec', 'egress', i, 'hosts', j], why);
      }
    });
  });
};

const service: Check = (o, add) => {
  const names = new Map<string, number>();
  const ports: any[] = asList(o.spec?.ports);
  // the apiserver's rules: ports are required but on a headless Service (clusterIP: None) or an ExternalName one
  if (ports.length === 0 && o.spec?.type !== 'ExternalName' && o.spec?.clusterIP !== 'None') {
    add('ports', ['spec'], 'spec.ports is required: a Service needs at least one port (unless headless, clusterIP: None, or of type ExternalName)');
  }
  ports.forEach((p: any, i: number) => {
    if (p && typeof p === 'object' && p.port === undefined) add('port', ['spec', 'ports', i], 'missing required field "port"');
    checkPort(add, ['spec', 'ports', i, 'port'], p?.port);
    if (typeof p?.targetPort === 'number') checkPort(add, ['spec', 'ports', i, 'targetPort'], p.targetPort);
    if (p?.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) add('protocol', ['spec', 'ports', i, 'protocol'], `protocol "${p.protocol}" must be TCP, UDP or SCTP`);
    if (ports.length > 1 && !p?.name) add('port-name', ['spec', 'ports', i], 'a Service with several ports must name each one');
    if (typeof p?.name === 'string') {
      if (names.has(p.name)) add('port-name', ['spec', 'ports', i, 'name'], `port name "${p.name}" is used twice`);
      names.set(p.name, i);
    }
    // istioctl validate refuses such a port; the apiserver and istiod accept it (Istio sniffs the protocol): a warning
    if (p && typeof p === 'object' && o.spec?.type !== 'ExternalName' && !portProtocolKnown(p)) {
      const field = typeof p.appProtocol === 'string' ? 'appProtocol' : typeof p.name === 'string' ? 'name' : undefined;
      const from = field ? `from its ${field} "${p[field]}"` : '(the port has no name)';
      add('port-protocol', ['spec', 'ports', i, ...(field ? [field] : [])],
        `Istio cannot tell this port's protocol ${from}: name it <protocol>[-<suffix>] (http-web, grpc, tcp-db) or set appProtocol, else Istio sniffs it (istioctl validate refuses such a port)`, 'warning');
    }
  });
};

const workload: Check = (o, add) => {
  const isPod = o.kind === 'Pod';
  const podSpec = isPod ? o.spec : o.spec?.template?.spec;
  const base: FieldPath = isPod ? ['spec'] : ['spec', 'template', 'spec'];
  if (!isPod) {
    const selector = o.spec?.selector?.matchLabels ?? {};
    const labels = o.spec?.template?.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(selector)) {
      if (labels[k] !== v) add('selector', ['spec', 'selector', 'matchLabels', k], `the selector ${k}=${v} does not match the pod template's labels, so the ${o.kind} would own no pods`);
    }
  }
  const containers: any[] = asList(podSpec?.containers);
  if (containers.length === 0) add('containers', [...base, 'containers'], 'needs at least one container');
  const names = new Set<string>();
  containers.forEach((c: any, i: number) => {
    if (!c?.name) add('containers', [...base, 'containers', i], 'a container needs a name');
    else if (names.has(c.name)) add('containers', [...base, 'containers', i, 'name'], `container name "${c.name}" is used twice`);
    else names.add(c.name);
    if (!c?.image) add('containers', [...base, 'containers', i], 'a container needs an image');
    asList(c?.ports).forEach((p: any, j: number) => checkPort(add, [...base, 'containers', i, 'ports', j, 'containerPort'], p?.containerPort));
  });
  // a volume mount must name one of the pod's volumes (the apiserver: "Not found"); a StatefulSet's volume claim
  // templates are volumes of its pods too
  const claims = o.kind === 'StatefulSet' ? asList(o.spec?.volumeClaimTemplates).map((t: any) => t?.metadata?.name) : [];
  const volumes = new Set([...asList(podSpec?.volumes).map((v: any) => v?.name), ...claims].filter((n: unknown) => typeof n === 'string'));
  for (const field of ['initContainers', 'containers'] as const) {
    asList(podSpec?.[field]).forEach((c: any, i: number) => asList(c?.volumeMounts).forEach((m: any, j: number) => {
      if (typeof m?.name === 'string' && !volumes.has(m.name)) {
        add('volume', [...base, field, i, 'volumeMounts', j, 'name'], `volume mount "${m.name}" names no volume of the pod`);
      }
    }));
  }
};

/** How a VirtualService names a gateway: `mesh`, `name`, `namespace/name`, or a legacy FQDN (istiod's rules). */
function gatewayNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'must be a gateway name';
  if (name === 'mesh') return undefined;
  const parts = name.split('/');
  if (parts.length === 1) return DNS1123_SUBDOMAIN.test(name) ? undefined : `"${name}" is not a valid gateway name`;
  const [ns, gw] = [parts[0], parts.slice(1).join('/')];
  if (ns === '' || gw === '') return `"${name}": the namespace and the gateway name cannot be empty`;
  if (!DNS1123_LABEL.test(ns)) return `"${name}": invalid namespace "${ns}"`;
  if (!DNS1123_LABEL.test(gw)) return `"${name}": invalid gateway name "${gw}"`;
  return undefined;
}

/** Envoy objects that name a filter and need its typed_config (or a config discovery) rather than the name alone. */
const FILTER_OBJECTS = ['HTTP_FILTER', 'NETWORK_FILTER', 'LISTENER_FILTER'];

const envoyFilter: Check = (o, add) => {
  // Istio's own warnings, in its words
  add('envoyfilter', [], 'EnvoyFilter exposes internal implementation details that may change at any time. ' +
    'Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.', 'warning');
  const sel = o.spec?.workloadSelector;
  if (sel && Object.keys(sel.labels ?? {}).length === 0) {
    add('envoyfilter', ['spec', 'workloadSelector'], 'Envoy filter: workload selector specified without labels, will be applied to all services in namespace', 'warning');
  }
  asList(o.spec?.configPatches).forEach((cp: any, i: number) => {
    if (!cp?.patch) add('envoyfilter-patch', ['spec', 'configPatches', i], 'a config patch needs a patch');
    const v = cp?.patch?.value;
    const typed = v && ('typed_config' in v || 'typedConfig' in v || 'config_discovery' in v || 'configDiscovery' in v);
    if (FILTER_OBJECTS.includes(cp?.applyTo) && cp?.patch?.operation !== 'REMOVE' && typeof v?.name === 'string' && !typed) {
      add('envoyfilter', ['spec', 'configPatches', i, 'patch', 'value'], `using deprecated types by name without typed_config; ${v.name}`, 'warning');
    }
  });
};

const istioOperator: Check = (o, add) => {
  if (o.spec === undefined) return;
  for (const p of istioOperatorProblems(o.spec)) add(p.atKey ? 'unknown-field' : 'istio-operator', p.path, p.message, 'error', p.atKey);
};

/** The semantic checks, by kind. */
const CHECKS: Record<string, Check> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  Gateway: gateway,
  EnvoyFilter: envoyFilter,
  PeerAuthentication: peerAuthentication,
  AuthorizationPolicy: authorizationPolicy,
  RequestAuthentication: requestAuthentication,
  ServiceEntry: serviceEntry,
  Sidecar: sidecar,
  Service: service,
  Deployment: workload,
  StatefulSet: workload,
  DaemonSet: workload,
  Pod: workload,
  IstioOperator: istioOperator,
};

/** Kinds that get semantic checks (Istio kinds only for networking/security.istio.io, core kinds for the core groups). */
export function hasSemanticChecks(apiVersion: string, kind: string): boolean {
  if (!(kind in CHECKS)) return false;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const istio = group.endsWith('istio.io');
  const core = group === '' || group === 'apps';
  return ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'Pod'].includes(kind) ? core : istio;
}

/** Runs the semantic checks for an object's kind. */
export function semanticFindings(obj: K8sObject): RuleFinding[] {
  if (!hasSemanticChecks(obj.apiVersion, obj.kind)) return [];
  const out: RuleFinding[] = [];
  try {
    CHECKS[obj.kind](obj, (rule, path, message, severity = 'error', atKey = false) => out.push({ rule, path, message, severity, atKey }));
  } catch {
    // a value of the wrong type deep inside: the schema check reports it; the semantic checks stop here
  }
  return out;
}

/** Object metadata rules every object shares: a name that is a DNS subdomain, a namespace that is a DNS label. */
export function metadataFindings(obj: K8sObject): RuleFinding[] {
  const out: RuleFinding[] = [];
  const md: any = obj.metadata;
  // an IstioOperator is an install overlay, read by istioctl, which needs no metadata (nor a name) there
  const overlay = isIstioOperator(obj.apiVersion, obj.kind);
  if (!md || typeof md !== 'object') return overlay && md === undefined ? [] : [{ rule: 'metadata', path: ['metadata'], message: 'missing metadata', severity: 'error' }];
  if (typeof md.name !== 'string' || md.name === '') {
    if (!md.generateName && !overlay) out.push({ rule: 'metadata', path: ['metadata'], message: 'missing metadata.name', severity: 'error' });
  } else if (md.name.length > 253 || !DNS1123_SUBDOMAIN.test(md.name)) {
    out.push({ rule: 'metadata', path: ['metadata', 'name'], message: `"${md.name}" is not a valid name (lowercase DNS subdomain)`, severity: 'error' });
  }
  if (md.namespace !== undefined && typeof md.namespace !== 'string') {
    out.push({ rule: 'metadata', path: ['metadata', 'namespace'], message: 'must be a string', severity: 'error' });
  } else if (md.namespace !== undefined && (md.namespace.length > 63 || !DNS1123_LABEL.test(md.namespace))) {
    out.push({ rule: 'metadata', path: ['metadata', 'namespace'], message: `"${md.namespace}" is not a valid namespace (a DNS label)`, severity: 'error' });
  }
  return out;
}
