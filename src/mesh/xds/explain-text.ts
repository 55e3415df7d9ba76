/** `meshctl explain request`'s text: the explanation, one step per line, for people. Pure. */
import { printable } from '../../ui/printable.js';
import type { OutboundExplanation, ExplainedCluster } from './explain.js';
import { managedRef } from './tables.js';
import type { ResolvedHost } from './resolve.js';
import type { InboundExplanation } from './inbound.js';

export interface Explained extends OutboundExplanation {
  request: { method: string; url: string; headers: Record<string, string> };
  from: { pod: string; sidecar: boolean; node: string; dump?: string };
  destination: ResolvedHost;
  server?: InboundExplanation[];
}

const objectName = (managed: string, kind: string) => `${kind} ${managedRef(managed)}`;

function clusterLines(c: ExplainedCluster): string[] {
  const lines = [`  ${`${c.percent}%`.padStart(7)}  ${c.name}${c.found ? '' : '  (istiod sent no such cluster: requests fail with 503)'}`];
  if (!c.found) return lines;
  const facts = [
    c.subset ? `subset ${c.subset}` : '',
    c.destinationRule ? `from ${objectName(c.destinationRule, 'DestinationRule')}` : 'no DestinationRule',
    `load balancing ${c.loadBalancing}`,
    c.outlierDetection ? `outlier detection ${JSON.stringify(c.outlierDetection)}` : '',
  ].filter(Boolean);
  lines.push(`           ${facts.join('; ')}`);
  lines.push(`           upstream TLS: ${c.upstreamTls}`);
  const eps = c.type === 'ORIGINAL_DST' ? 'the address the client connected to'
    : c.type !== 'EDS' ? `resolved by Envoy (${c.type})`
    : c.endpoints.length === 0 ? 'none (requests fail with 503: no healthy upstream)' : c.endpoints.map((e) => `${e.address}${e.sidecar ? ' (sidecar)' : ''}`).join(', ');
  lines.push(`           endpoints: ${eps}`);
  return lines;
}

export function renderExplanation(x: Explained): string {
  const out: string[] = [];
  const headers = Object.entries(x.request.headers).map(([k, v]) => ` -H '${k}: ${v}'`).join('');
  out.push(`Request:       ${x.request.method} ${x.request.url}${headers}`);
  out.push(x.from.dump ? `From:          config dump ${x.from.dump}${x.from.node ? ` (node ${x.from.node})` : ''}`
    : `From:          pod ${x.from.pod}${x.from.sidecar ? '' : ' (no sidecar: as istiod would configure one injected now)'}`);
  const unresolved = x.from.dump ? ' (not resolved: no cluster to ask)' : ' (not a Service of the cluster)';
  out.push(`Destination:   ${x.destination.service ? `Service ${x.destination.service}` : x.destination.host}${x.destination.ip ? ` (${x.destination.ip})` : unresolved}`);
  if (x.listener) out.push(`Listener:      ${x.listener}, filter chain ${x.filterChain.name ? `"${x.filterChain.name}" ` : ''}(${x.filterChain.match})`);
  if (x.routeConfig) out.push(`Routes:        route configuration "${x.routeConfig}"`);
  if (x.virtualHost) out.push(`Virtual host:  ${x.virtualHost.name} (domain "${x.virtualHost.domain}")`);
  if (x.route) {
    const r = x.route;
    out.push(`Route:         ${r.name ? `"${r.name}" ` : ''}match ${r.match || '(any)'}${r.virtualService ? `, from ${objectName(r.virtualService, 'VirtualService')}` : ''}`);
    if (r.directResponse) out.push(`Response:      direct response ${r.directResponse.status}`);
    if (r.redirect) out.push(`Redirect:      ${JSON.stringify(r.redirect)}`);
    out.push(`Timeout:       ${r.timeout === undefined ? 'Envoy\'s default (15s)' : r.timeout === '0s' ? 'none' : r.timeout}`);
    out.push(`Retries:       ${r.retries ? `${r.retries.attempts} on ${r.retries.on || '(Envoy\'s default conditions)'}${r.retries.perTryTimeout ? `, ${r.retries.perTryTimeout} per try` : ''}` : 'none'}`);
    if (r.fault) {
      const f = [r.fault.delay ? `delay ${r.fault.delay.fixed} for ${r.fault.delay.percent}%` : '', r.fault.abort ? `abort with ${r.fault.abort.status} for ${r.fault.abort.percent}%` : ''].filter(Boolean);
      out.push(`Fault:         ${f.join(', ')}`);
    }
    if (r.mirrors.length) out.push(`Mirror:        ${r.mirrors.map((m) => `${m.percent}% to ${m.cluster}`).join(', ')}`);
  }
  if (x.clusters.length) {
    out.push(`Destinations:  (${x.protocol === 'tcp' ? 'TCP proxy' : 'share of requests'})`);
    for (const c of x.clusters) out.push(...clusterLines(c));
  }
  for (const s of x.server ?? []) {
    out.push(`Server:        pod ${s.pod} port ${s.port}`);
    out.push(`  mTLS:        ${s.mtlsMode}${s.peerAuthentication ? ` (${s.peerAuthentication})` : ''}; this request arrives ${s.arrivesAs}`);
    out.push(`  authz:       ${s.verdict}${s.policy ? ` by ${s.policy}` : ''}${s.reason ? ` (${s.reason})` : ''}`);
  }
  if (x.problem) out.push(`Result:        ${x.problem}`);
  // names come from the cluster's objects and istiod: escaped, so none can forge a line or reach the terminal raw
  return out.map(printable).join('\n') + '\n';
}
