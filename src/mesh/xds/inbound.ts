/**
 * The server side of a request, from the configuration istiod gives a ghost of the destination pod: the inbound
 * mTLS mode in effect on the port (read off the inbound listener's filter chains: TLS and plaintext chains is
 * PERMISSIVE, TLS only STRICT, plaintext only DISABLE), how this request arrives (mTLS or plaintext), and the
 * authorization verdict of the RBAC filters istiod generated from AuthorizationPolicies (DENY rules first, then
 * ALLOW), naming the policy that decided. A matcher meshctl cannot evaluate makes the verdict UNKNOWN, never a
 * guess. Pure.
 */
import { obj, list, str, type Obj, type Json } from './types.js';
import type { XdsSnapshot } from './client.js';
import { headerMatches, ipInPrefix, pickFilterChain, stringMatches } from './explain.js';
import { HTTP_FILTER } from './tables.js';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNKNOWN';

export interface InboundRequest {
  port: number;
  /** Whether the client's sidecar opens mutual TLS to this endpoint. */
  mtls: boolean;
  /** The client's identity (spiffe://…/ns/NS/sa/SA), sent only over mTLS. */
  principal?: string;
  sourceIp?: string;
  destinationIp?: string;
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
}

export interface InboundExplanation {
  pod: string;
  port: number;
  mtlsMode: MtlsMode;
  /** The PeerAuthentication that set the mode, as meshctl reads the cluster's ("bookinfo/default, namespace-wide"). */
  peerAuthentication?: string;
  arrivesAs: string;
  verdict: 'ALLOW' | 'DENY' | 'UNKNOWN';
  policy?: string;
  reason?: string;
}

const inboundListener = (snap: XdsSnapshot) => snap.listeners.find((l) => l.name === 'virtualInbound')
  ?? snap.listeners.find((l) => Number(obj(obj(l.address).socketAddress).portValue) === 15006);

/** The inbound mTLS mode on `port`, from the transports the inbound filter chains for that port accept. */
export function inboundMode(snap: XdsSnapshot, port: number): MtlsMode {
  const l = inboundListener(snap);
  if (!l) return 'UNKNOWN';
  const chains = list(l.filterChains).map(obj);
  const m = (c: Obj) => obj(c.filterChainMatch);
  let forPort = chains.filter((c) => Number(m(c).destinationPort) === port);
  if (forPort.length === 0) forPort = chains.filter((c) => m(c).destinationPort === undefined);
  const transports = new Set(forPort.map((c) => str(m(c).transportProtocol) || 'any'));
  const tls = transports.has('tls') || transports.has('any');
  const plain = transports.has('raw_buffer') || transports.has('any');
  return tls && plain ? 'PERMISSIVE' : tls ? 'STRICT' : plain ? 'DISABLE' : 'UNKNOWN';
}

/** Istio's RBAC policy name ("ns[bookinfo]-policy[deny-all]-rule[0]") as the AuthorizationPolicy it came from. */
export function policyOf(name: string): string {
  const m = /^ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[(\d+)\]$/.exec(name);
  return m ? `AuthorizationPolicy ${m[1]}/${m[2]} (rule ${m[3]})` : `RBAC policy ${name}`;
}

type Tri = boolean | undefined;
const and = (xs: Tri[]): Tri => (xs.some((x) => x === false) ? false : xs.every((x) => x === true) ? true : undefined);
const or = (xs: Tri[]): Tri => (xs.some((x) => x === true) ? true : xs.every((x) => x === false) ? false : undefined);
const not = (x: Tri): Tri => (x === undefined ? undefined : !x);

function cidr(r: Json | undefined, ip: string | undefined): Tri {
  if (!ip) return undefined;
  const c = obj(r);
  return ipInPrefix(ip, str(c.addressPrefix), Number(c.prefixLen ?? 32));
}

/** Whether an RBAC permission matches the request; undefined when it uses what meshctl cannot evaluate. */
export function permissionMatches(p: Obj, req: InboundRequest, unknown: string[]): Tri {
  if (p.any === true) return true;
  if (p.andRules !== undefined) return and(list(obj(p.andRules).rules).map((r) => permissionMatches(obj(r), req, unknown)));
  if (p.orRules !== undefined) return or(list(obj(p.orRules).rules).map((r) => permissionMatches(obj(r), req, unknown)));
  if (p.notRule !== undefined) return not(permissionMatches(obj(p.notRule), req, unknown));
  if (p.header !== undefined) return headerMatches(obj(p.header), requestHeaders(req));
  if (p.urlPath !== undefined) return stringMatches(obj(obj(p.urlPath).path), req.path.split('?')[0]);
  if (p.destinationPort !== undefined) return Number(p.destinationPort) === req.port;
  if (p.destinationPortRange !== undefined) {
    const r = obj(p.destinationPortRange);
    return req.port >= Number(r.start ?? 0) && req.port < Number(r.end ?? 0);
  }
  if (p.destinationIp !== undefined) return cidr(p.destinationIp, req.destinationIp);
  unknown.push(`permission ${Object.keys(p).join(',')}`);
  return undefined;
}

/** Whether an RBAC principal matches the request's source; undefined when meshctl cannot tell. */
export function principalMatches(p: Obj, req: InboundRequest, unknown: string[]): Tri {
  if (p.any === true) return true;
  if (p.andIds !== undefined) return and(list(obj(p.andIds).ids).map((r) => principalMatches(obj(r), req, unknown)));
  if (p.orIds !== undefined) return or(list(obj(p.orIds).ids).map((r) => principalMatches(obj(r), req, unknown)));
  if (p.notId !== undefined) return not(principalMatches(obj(p.notId), req, unknown));
  if (p.authenticated !== undefined) {
    if (!req.principal) return false;
    const name = obj(obj(p.authenticated).principalName);
    return Object.keys(name).length === 0 ? true : stringMatches(name, req.principal);
  }
  if (p.header !== undefined) return headerMatches(obj(p.header), requestHeaders(req));
  if (p.urlPath !== undefined) return stringMatches(obj(obj(p.urlPath).path), req.path.split('?')[0]);
  if (p.directRemoteIp !== undefined) return cidr(p.directRemoteIp, req.sourceIp);
  if (p.sourceIp !== undefined) return cidr(p.sourceIp, req.sourceIp);
  if (p.remoteIp !== undefined) return cidr(p.remoteIp, req.sourceIp);
  unknown.push(`principal ${Object.keys(p).join(',')}`);
  return undefined;
}

function requestHeaders(req: InboundRequest): Record<string, string> {
  return { ...req.headers, ':method': req.method, ':authority': req.host, host: req.host, ':path': req.path };
}

function policyMatches(policy: Obj, req: InboundRequest, unknown: string[]): Tri {
  return and([
    or(list(policy.permissions).map((p) => permissionMatches(obj(p), req, unknown))),
    or(list(policy.principals).map((p) => principalMatches(obj(p), req, unknown))),
  ]);
}

/** The verdict of the RBAC filters (in order: each DENY, then each ALLOW), with the policy that decided. */
export function authorize(rbacFilters: Obj[], req: InboundRequest): Pick<InboundExplanation, 'verdict' | 'policy' | 'reason'> {
  for (const f of rbacFilters) {
    const rules = obj(obj(f.typedConfig).rules);
    if (obj(f.typedConfig).rules === undefined) continue; // shadow rules only (dry-run policies): not enforced
    const action = str(rules.action) || 'ALLOW';
    const policies = Object.entries(obj(rules.policies)).sort(([a], [b]) => a.localeCompare(b));
    const unknown: string[] = [];
    const results = policies.map(([name, p]) => ({ name, hit: policyMatches(obj(p), req, unknown) }));
    const hit = results.find((r) => r.hit === true);
    const undecided = results.find((r) => r.hit === undefined);
    if (action === 'DENY') {
      if (hit) return { verdict: 'DENY', policy: policyOf(hit.name), reason: 'a DENY rule matches' };
      if (undecided) return { verdict: 'UNKNOWN', policy: policyOf(undecided.name), reason: `cannot evaluate ${unknown[0]}` };
    } else if (action === 'ALLOW') {
      if (hit) return { verdict: 'ALLOW', policy: policyOf(hit.name), reason: 'an ALLOW rule matches' };
      if (undecided) return { verdict: 'UNKNOWN', policy: policyOf(undecided.name), reason: `cannot evaluate ${unknown[0]}` };
      if (policies.length === 0) return { verdict: 'DENY', reason: 'an ALLOW filter with no rules allows nothing (403)' };
      const names = [...new Set(policies.map(([name]) => policyOf(name).replace(/ \(rule \d+\)$/, '')))];
      return { verdict: 'DENY', policy: names.join(', '), reason: 'ALLOW policies apply to the workload and no rule of theirs matches (403)' };
    } else {
      return { verdict: 'UNKNOWN', reason: `RBAC action ${action} (CUSTOM/AUDIT) is not evaluated` };
    }
  }
  return { verdict: 'ALLOW', reason: 'no AuthorizationPolicy applies' };
}

/** The server side of the request on the destination's inbound configuration. */
export function explainInbound(snap: XdsSnapshot, req: InboundRequest): Omit<InboundExplanation, 'pod' | 'peerAuthentication'> {
  const mode = inboundMode(snap, req.port);
  const l = inboundListener(snap);
  const base = { port: req.port, mtlsMode: mode };
  if (!l) return { ...base, arrivesAs: 'unknown: istiod sent no inbound listener', verdict: 'UNKNOWN', reason: 'no inbound listener' };
  const alpn = req.mtls ? ['istio-http/1.1', 'istio'] : ['http/1.1'];
  const chain = pickFilterChain(l, req.destinationIp, req.port, alpn, req.mtls ? 'tls' : 'raw_buffer');
  if (!chain) {
    return { ...base, arrivesAs: req.mtls ? 'over mTLS, and no inbound chain takes it' : 'in plaintext, which the port refuses (mTLS is required)', verdict: 'DENY', reason: 'the connection is refused before any request' };
  }
  const arrivesAs = req.mtls ? `over mTLS (as ${req.principal ?? 'the client\'s identity'})` : 'in plaintext (no client identity)';
  const filters = list(chain.filters).map(obj);
  const hcm = filters.find((f) => f.name === HTTP_FILTER);
  const httpFilters = list(obj(hcm?.typedConfig).httpFilters).map(obj);
  const rbac = hcm ? httpFilters.filter((f) => str(f.name) === 'envoy.filters.http.rbac') : filters.filter((f) => str(f.name) === 'envoy.filters.network.rbac');
  return { ...base, arrivesAs, ...authorize(rbac, req) };
}

/**
 * Where an inbound connection to the pod's `port` lands, as Istio's simulation tests ask it: the filter chain it
 * matches (mTLS offering `alpn`, or plaintext HTTP) and the cluster that chain sends it to; no chain when the
 * listener refuses the connection. Pure.
 */
export function inboundCall(
  snap: XdsSnapshot, call: { port: number; mtls: boolean; alpn?: string[]; destinationIp?: string },
): { chain?: string; cluster?: string } {
  const l = inboundListener(snap);
  if (!l) return {};
  const chain = pickFilterChain(l, call.destinationIp, call.port, call.alpn ?? (call.mtls ? ['istio'] : ['http/1.1']), call.mtls ? 'tls' : 'raw_buffer');
  if (!chain) return {};
  const filters = list(chain.filters).map(obj);
  const tcp = filters.find((f) => str(f.name) === 'envoy.filters.network.tcp_proxy');
  const hcm = filters.find((f) => f.name === HTTP_FILTER);
  const route = list(obj(obj(hcm?.typedConfig).routeConfig).virtualHosts).map(obj).flatMap((vh) => list(vh.routes).map(obj))[0];
  const cluster = tcp ? str(obj(tcp.typedConfig).cluster) : str(obj(route?.route).cluster);
  return { chain: str(chain.name), ...(cluster ? { cluster } : {}) };
}
