/**
 * The one table of analysis messages. IST codes are Istio's own table (generated into istio.gen.ts from the
 * release: same codes, names, levels and wording, so that users' lookups on istio.io work); MSH codes are
 * meshctl's own, for what Istio does not check.
 */
import { ISTIO_MESSAGES } from './istio.gen.js';
import { LEVELS, messageType as t, type Level, type MessageArg, type MessageType } from './message-type.js';

export { LEVELS, type Level, type MessageArg, type MessageType };

export const MESHCTL_MESSAGES = {
  StrictMtlsWithPlaintextDestination: t<[mode: string, host: string, policies: string]>('MSH0001', 'StrictMtlsWithPlaintextDestination', 'Error', 'DestinationRule sets tls.mode %s for host %s, but its workloads only accept mutual TLS (%s): requests will fail. Use ISTIO_MUTUAL or remove the tls setting.'),
  WorkloadMtlsDisabledUnderStrict: t<[mode: string, workloads: string, policy: string]>('MSH0002', 'WorkloadMtlsDisabledUnderStrict', 'Warning', 'This policy sets mTLS mode %s for workloads %s under %s: plaintext is accepted for them. Make sure that is intended.'),
  IstioMutualToWorkloadWithoutSidecar: t<[host: string, pods: string]>('MSH0003', 'IstioMutualToWorkloadWithoutSidecar', 'Error', 'DestinationRule sets tls.mode ISTIO_MUTUAL for host %s, but its pods %s have no sidecar to terminate mutual TLS: requests will fail.'),
  SplitSubsetNotReady: t<[percent: number, subset: string, host: string, pods: number]>('MSH0004', 'SplitSubsetNotReady', 'Error', 'The route sends %s%% of traffic to subset %s of %s, but none of its %s pod(s) is ready.'),
  PrincipalServiceAccountNotFound: t<[principal: string, namespace: string, serviceAccount: string]>('MSH0005', 'PrincipalServiceAccountNotFound', 'Warning', 'Principal %s names service account %s/%s, which does not exist.'),
  DenyAllWithoutAllow: t<[namespace: string, policy: string]>('MSH0006', 'DenyAllWithoutAllow', 'Warning', 'Namespace %s has a deny-all policy (%s) and no ALLOW policy: every request to its workloads is denied.'),
  AllowPolicySelectsNoWorkload: t<[labels: string]>('MSH0007', 'AllowPolicySelectsNoWorkload', 'Warning', 'This ALLOW policy selects no workload (labels %s): it has no effect.'),
} as const;

export const MESSAGES = { ...ISTIO_MESSAGES, ...MESHCTL_MESSAGES } as const;

/** One argument as Go's fmt prints it: lists as `[a b]`, %q as a quoted string. */
function formatArg(verb: string, arg: unknown): string {
  const plain = Array.isArray(arg) ? `[${arg.join(' ')}]` : String(arg);
  return verb === 'q' ? JSON.stringify(plain) : plain;
}

/** Fills a template (%s, %v, %d, %q placeholders in order, %% for a percent sign). */
export function formatMessage(type: MessageType, args: readonly unknown[]): string {
  let i = 0;
  return type.template.replace(/%[svdq%]/g, (p) => (p === '%%' ? '%' : formatArg(p[1], args[i++])));
}

/** Istio's documentation page for a code (none for meshctl's own). */
export function documentationUrl(code: string): string {
  return code.startsWith('IST') ? `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/` : '';
}

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

/** Parses a threshold name case-insensitively. */
export function parseLevel(value: string): Level | undefined {
  return LEVELS.find((l) => l.toLowerCase() === value.toLowerCase());
}

/** How many parties a conflict message names before it says how many more there are. */
const MAX_NAMED = 10;

/**
 * The parties of a conflict as a message names them: all of them up to ten, then a count, so that a conflict
 * among thousands of resources gives messages that grow with the resources, not with the pairs.
 */
export function partiesList(names: string[]): string {
  return names.length > MAX_NAMED ? `${names.slice(0, MAX_NAMED).join(',')} and ${names.length - MAX_NAMED} more` : names.join(',');
}
