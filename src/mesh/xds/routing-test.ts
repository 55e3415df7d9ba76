/**
 * `meshctl test`: routing assertions in YAML, checked against what istiod really configures (each request
 * explained through a ghost of its client pod, as `meshctl explain request` does). Parsing the file and checking
 * an explanation against the expectations are pure; a file's mistakes are reported with its name and the test's.
 *
 *   tests:
 *   - name: reviews is split 90/10
 *     from: { namespace: bookinfo, selector: app=productpage }   # or "POD.NAMESPACE"
 *     request: { url: "http://reviews:9080/", method: GET, headers: { end-user: jason } }
 *     expect:
 *       destinations: { v1: 90, v2: 10 }     # subset, host or host/subset: percent of requests
 *       virtualService: bookinfo/reviews
 *       status: 200                          # what the mesh answers: 404 no route, 403 denied, a fault's abort …
 *       mtls: STRICT                         # the inbound mode at every destination pod
 *       authz: ALLOW                         # the authorization verdict at every destination pod
 *       timeout: 2s
 *       retries: 2
 */
import type { RequestExplanation } from './request.js';
import { managedRef } from './tables.js';

export interface RoutingTest {
  name: string;
  from: { pod?: string; namespace?: string; selector?: string };
  request: { url: string; method: string; headers: Record<string, string> };
  expect: {
    destinations?: Record<string, number>;
    virtualService?: string;
    status?: number;
    mtls?: string;
    authz?: string;
    timeout?: string;
    retries?: number;
  };
}

const EXPECT_KEYS = ['destinations', 'virtualService', 'status', 'mtls', 'authz', 'timeout', 'retries'];

/** The tests of a parsed file; throws Error with a message naming the file and the test for what is wrong. Pure. */
export function parseRoutingTests(doc: unknown, file: string): RoutingTest[] {
  const fail = (where: string, what: string): never => { throw new Error(`${file}: ${where}: ${what}`); };
  const tests = (doc as { tests?: unknown })?.tests;
  if (!Array.isArray(tests) || tests.length === 0) fail('tests', 'expected a list of tests (tests: [ {name, from, request, expect} ])');
  return (tests as unknown[]).map((t, i) => {
    const where = `tests[${i}]`;
    if (!t || typeof t !== 'object') fail(where, 'expected a test object');
    const o = t as Record<string, any>;
    const name = typeof o.name === 'string' && o.name ? o.name : `test ${i + 1}`;
    const at = `${where} (${name})`;
    for (const k of Object.keys(o)) if (!['name', 'from', 'request', 'expect'].includes(k)) fail(at, `unknown field "${k}"`);
    const from = typeof o.from === 'string' ? { pod: o.from } : o.from;
    if (!from || typeof from !== 'object' || (!from.pod && !from.selector)) fail(at, 'from: a pod ("POD.NAMESPACE") or { namespace, selector: "app=productpage" }');
    const request = typeof o.request === 'string' ? { url: o.request } : o.request;
    if (!request || typeof request.url !== 'string') fail(at, 'request: { url: "http://HOST[:PORT]/PATH", method, headers }');
    const headers = request.headers ?? {};
    if (typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string')) fail(at, 'request.headers: a map of strings');
    const expect = o.expect;
    if (!expect || typeof expect !== 'object' || Object.keys(expect).length === 0) fail(at, `expect: at least one of ${EXPECT_KEYS.join(', ')}`);
    for (const k of Object.keys(expect)) if (!EXPECT_KEYS.includes(k)) fail(at, `expect: unknown field "${k}" (use ${EXPECT_KEYS.join(', ')})`);
    if (expect.destinations !== undefined && (typeof expect.destinations !== 'object' || Object.values(expect.destinations).some((v) => typeof v !== 'number'))) {
      fail(at, 'expect.destinations: a map of subset (or host, or host/subset) to percent');
    }
    if (expect.status !== undefined && !Number.isInteger(expect.status)) fail(at, 'expect.status: an HTTP status');
    if (expect.retries !== undefined && !Number.isInteger(expect.retries)) fail(at, 'expect.retries: a number of retries');
    for (const k of ['virtualService', 'mtls', 'authz', 'timeout']) if (expect[k] !== undefined && typeof expect[k] !== 'string') fail(at, `expect.${k}: a string`);
    if (expect.mtls !== undefined && !['STRICT', 'PERMISSIVE', 'DISABLE'].includes(expect.mtls)) fail(at, 'expect.mtls: STRICT, PERMISSIVE or DISABLE');
    if (expect.authz !== undefined && !['ALLOW', 'DENY'].includes(expect.authz)) fail(at, 'expect.authz: ALLOW or DENY');
    return {
      name,
      from: {
        ...(from.pod ? { pod: String(from.pod) } : {}), ...(from.namespace ? { namespace: String(from.namespace) } : {}),
        ...(from.selector ? { selector: String(from.selector) } : {}),
      },
      request: { url: request.url, method: String(request.method ?? 'GET').toUpperCase(), headers: headers as Record<string, string> },
      expect,
    };
  });
}

/**
 * What the mesh answers the request, as far as the configuration decides it: 404 (no route), a direct response's
 * or a certain fault's status, 403 (denied at every destination), 503 (no endpoints), else 200 (the upstream's
 * answer). A fault on some of the requests only makes it uncertain: the reason says so.
 */
export function predictedStatus(x: RequestExplanation): { status?: number; reason: string } {
  if (x.problem?.endsWith('404')) return { status: 404, reason: x.problem };
  if (x.problem) return { reason: x.problem };
  if (x.route?.directResponse) return { status: x.route.directResponse.status, reason: 'a direct response' };
  const abort = x.route?.fault?.abort;
  if (abort && abort.percent >= 100) return { status: abort.status, reason: 'a fault aborts every request' };
  if (abort && abort.percent > 0) return { reason: `a fault aborts ${abort.percent}% of requests with ${abort.status}` };
  const servers = x.server ?? [];
  if (servers.length && servers.every((s) => s.verdict === 'DENY')) return { status: 403, reason: `denied (${servers[0].reason ?? servers[0].policy ?? ''})` };
  if (x.clusters.length && x.clusters.every((c) => c.type === 'EDS' && c.endpoints.length === 0)) return { status: 503, reason: 'no endpoints' };
  return { status: 200, reason: 'the upstream answers' };
}

/** The expectations `x` does not meet, one message each. Pure. */
export function checkExpectations(t: RoutingTest, x: RequestExplanation): string[] {
  const out: string[] = [];
  const e = t.expect;
  if (e.destinations) {
    const short = (host: string) => host.split('.')[0];
    const keyOf = (c: RequestExplanation['clusters'][number], key: string) => key === c.subset || key === c.host || key === short(c.host)
      || key === `${short(c.host)}/${c.subset}` || key === `${c.host}/${c.subset}` || key === c.name;
    const seen = new Set<string>();
    for (const [key, want] of Object.entries(e.destinations)) {
      const got = x.clusters.filter((c) => keyOf(c, key)).reduce((s, c) => s + c.percent, 0);
      x.clusters.filter((c) => keyOf(c, key)).forEach((c) => seen.add(c.name));
      if (Math.abs(got - want) > 0.01) out.push(`destinations: ${key} gets ${got}% of requests, expected ${want}%`);
    }
    for (const c of x.clusters) if (!seen.has(c.name) && c.percent > 0) out.push(`destinations: ${c.percent}% of requests go to ${c.name}, which the test does not expect`);
  }
  if (e.virtualService !== undefined) {
    const got = x.route?.virtualService ? managedRef(x.route.virtualService) : '(none)';
    if (got !== e.virtualService) out.push(`virtualService: the route comes from ${got}, expected ${e.virtualService}`);
  }
  if (e.status !== undefined) {
    const p = predictedStatus(x);
    if (p.status !== e.status) out.push(`status: ${p.status ?? 'not certain'} (${p.reason}), expected ${e.status}`);
  }
  const servers = x.server ?? [];
  if (e.mtls !== undefined) {
    if (!servers.length) out.push(`mtls: no destination pod to check, expected ${e.mtls}`);
    for (const s of servers) if (s.mtlsMode !== e.mtls) out.push(`mtls: ${s.mtlsMode} at pod ${s.pod}, expected ${e.mtls}`);
  }
  if (e.authz !== undefined) {
    if (!servers.length) out.push(`authz: no destination pod to check, expected ${e.authz}`);
    for (const s of servers) if (s.verdict !== e.authz) out.push(`authz: ${s.verdict} at pod ${s.pod}${s.policy ? ` (${s.policy})` : ''}, expected ${e.authz}`);
  }
  if (e.timeout !== undefined && (x.route?.timeout ?? '(Envoy\'s default)') !== e.timeout) out.push(`timeout: ${x.route?.timeout ?? 'Envoy\'s default'}, expected ${e.timeout}`);
  if (e.retries !== undefined && (x.route?.retries?.attempts ?? 0) !== e.retries) out.push(`retries: ${x.route?.retries?.attempts ?? 0}, expected ${e.retries}`);
  return out;
}
