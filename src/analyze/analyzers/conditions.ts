/** Status and control-plane analyzers: negative conditions, RequestAuthentication without a JWKS fetch restriction. */
import type { Analyzer } from '../analyzer.js';
import { asList } from '../../manifests/object.js';
import { MESSAGES } from '../messages.js';
import { GATEWAY_API } from '../snapshot.js';

/** The condition types (and the status) Istio reports as a problem, by kind. */
const NEGATIVE: Record<string, Record<string, string>> = {
  Service: { 'istio.io/WaypointBound': 'False' },
  ServiceEntry: { 'istio.io/WaypointBound': 'False' },
  WorkloadEntry: { 'istio.io/WaypointBound': 'False' },
  AuthorizationPolicy: { ZtunnelAccepted: 'False', WaypointAccepted: 'False' },
  [`${GATEWAY_API}/Gateway`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
  [`${GATEWAY_API}/HTTPRoute`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
  [`${GATEWAY_API}/GRPCRoute`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
};

export const negativeConditions: Analyzer = {
  name: 'conditions.ConditionAnalyzer',
  description: 'Reports negative status conditions (waypoint not bound, policy not accepted, Gateway API resources not accepted or programmed)',
  reads: Object.keys(NEGATIVE),
  reports: [MESSAGES.NegativeConditionStatus],
  run(s, report) {
    for (const [kind, negative] of Object.entries(NEGATIVE)) {
      for (const r of s.of(kind)) {
        const status = r.object.status;
        const conditions: any[] = kind.endsWith('Route') ? asList(status?.parents).flatMap((p: any) => asList(p?.conditions)) : asList(status?.conditions);
        for (const c of conditions) {
          const bad = negative[c?.type] !== undefined && negative[c.type] === c.status;
          const partial = kind === 'AuthorizationPolicy' && c?.type === 'WaypointAccepted' && c?.reason === 'PartiallyInvalid';
          if (bad) report(MESSAGES.NegativeConditionStatus, r, ['status'], String(c.type), String(c.reason ?? ''), String(c.message ?? ''));
          if (partial) report(MESSAGES.NegativeConditionStatus, r, ['status'], String(c.type), String(c.reason ?? ''), String(c.message ?? ''));
        }
      }
    }
  },
};

const MAX_NAMED_POLICIES = 5;

export const blockedCidrs: Analyzer = {
  name: 'authn.BlockedCIDRsAnalyzer',
  description: 'Checks istiod restricts the JWKS URIs it fetches (BLOCKED_CIDRS_IN_JWKS_URIS) when RequestAuthentications exist',
  reads: ['RequestAuthentication', 'Deployment'],
  reports: [MESSAGES.JwksUriFetchUnrestricted],
  run(s, report) {
    const names = s.of('RequestAuthentication').map((r) => `${r.namespace}/${r.name}`);
    if (names.length === 0) return;
    const shown = names.length <= MAX_NAMED_POLICIES ? names.join(', ') : `${names.slice(0, MAX_NAMED_POLICIES).join(', ')}, and ${names.length - MAX_NAMED_POLICIES} more`;
    for (const d of s.of('Deployment')) {
      if (d.object.metadata.labels?.app !== 'istiod') continue;
      const restricted = asList(d.object.spec?.template?.spec?.containers).some((c: any) => asList(c?.env).some((e: any) => e?.name === 'BLOCKED_CIDRS_IN_JWKS_URIS' && e?.value));
      if (!restricted) report(MESSAGES.JwksUriFetchUnrestricted, d, ['spec', 'template', 'spec', 'containers'], names.length, shown);
    }
  },
};

export const CONDITION_ANALYZERS = [negativeConditions, blockedCidrs];
