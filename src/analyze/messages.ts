/**
 * The one table of analysis messages: code, name, level and message template. IST codes keep Istio's
 * numbers, names and levels so that users' lookups on istio.io work; MSH codes are meshctl's own.
 */
export const LEVELS = ['Info', 'Warning', 'Error'] as const;
export type Level = (typeof LEVELS)[number];

export interface MessageType {
  code: string;
  name: string;
  level: Level;
  /** Template with %s placeholders, filled in order. */
  template: string;
}

const t = (code: string, name: string, level: Level, template: string): MessageType => ({ code, name, level, template });

export const MESSAGES = {
  InternalError: t('IST0001', 'InternalError', 'Error', 'Internal error: %s'),
  Deprecated: t('IST0002', 'Deprecated', 'Warning', 'Deprecated: %s'),
  ReferencedResourceNotFound: t('IST0101', 'ReferencedResourceNotFound', 'Error', 'Referenced %s not found: "%s"'),
  NamespaceNotInjected: t('IST0102', 'NamespaceNotInjected', 'Info', "The namespace is not enabled for Istio injection. Run 'kubectl label namespace %s istio-injection=enabled' to enable it, or 'kubectl label namespace %s istio-injection=disabled' to explicitly mark it as not needing injection."),
  PodMissingProxy: t('IST0103', 'PodMissingProxy', 'Warning', 'The pod %s is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.'),
  UnknownAnnotation: t('IST0108', 'UnknownAnnotation', 'Warning', 'Unknown annotation: %s'),
  SchemaValidationError: t('IST0106', 'SchemaValidationError', 'Error', 'Schema validation error: %s'),
  ConflictingMeshGatewayVirtualServiceHosts: t('IST0109', 'ConflictingMeshGatewayVirtualServiceHosts', 'Error', 'The VirtualServices %s associated with mesh gateway define the same host %s which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.'),
  VirtualServiceDestinationPortSelectorRequired: t('IST0112', 'VirtualServiceDestinationPortSelectorRequired', 'Error', 'This VirtualService routes to a service %q that exposes multiple ports %s. Specifying a port in the destination is required to disambiguate.'),
  PortNameIsNotUnderNamingConvention: t('IST0118', 'PortNameIsNotUnderNamingConvention', 'Info', 'Port name %s (port: %s, targetPort: %s) doesn\'t follow the naming convention of Istio port.'),
  NamespaceMultipleInjectionLabels: t('IST0123', 'NamespaceMultipleInjectionLabels', 'Warning', 'The namespace has more than one type of injection labels %s, which may lead to undefined behavior. Make sure only one injection label exists.'),
  NoMatchingWorkloadsFound: t('IST0127', 'NoMatchingWorkloadsFound', 'Warning', 'No matching workloads for this resource with the following labels: %s'),
  NoServerCertificateVerificationDestinationLevel: t('IST0128', 'NoServerCertificateVerificationDestinationLevel', 'Warning', 'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s'),
  NoServerCertificateVerificationPortLevel: t('IST0129', 'NoServerCertificateVerificationPortLevel', 'Warning', 'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s at port %s'),
  VirtualServiceUnreachableRule: t('IST0130', 'VirtualServiceUnreachableRule', 'Warning', 'VirtualService rule %s not used (%s).'),
  VirtualServiceIneffectiveMatch: t('IST0131', 'VirtualServiceIneffectiveMatch', 'Info', 'VirtualService rule %s match %s is not used (duplicate/overlapping match in rule %s).'),
  VirtualServiceHostNotFoundInGateway: t('IST0132', 'VirtualServiceHostNotFoundInGateway', 'Warning', 'one or more host %s defined in VirtualService %s not found in Gateway %s.'),
  ConflictingGateways: t('IST0145', 'ConflictingGateways', 'Error', 'Conflict with gateways %s (workload selector %s, port %s, hosts %s).'),
  GatewayPortNotDefinedOnService: t('IST0162', 'GatewayPortNotDefinedOnService', 'Warning', 'The gateway is listening on a target port (port %s) that is not defined in the Service associated with its workload instances (Pod selector %s). If you need to access the gateway port through the gateway Service, it will not be available.'),
  DestinationRuleSubsetNotSelectPods: t('IST0173', 'DestinationRuleSubsetNotSelectPods', 'Error', 'The Subset %s defined in the DestinationRule does not select any pods, which may lead to 503 UH (NoHealthyUpstream).'),
  UnknownDestinationRuleHost: t('IST0174', 'UnknownDestinationRuleHost', 'Warning', 'DestinationRule is for host %q but no Service or ServiceEntry was found.'),
  StrictMtlsWithPlaintextDestination: t('MSH0001', 'StrictMtlsWithPlaintextDestination', 'Error', 'DestinationRule sets tls.mode %s for host %s, but its workloads only accept mutual TLS (%s): requests will fail. Use ISTIO_MUTUAL or remove the tls setting.'),
  WorkloadMtlsDisabledUnderStrict: t('MSH0002', 'WorkloadMtlsDisabledUnderStrict', 'Warning', 'This policy sets mTLS mode %s for workloads %s under %s: plaintext is accepted for them. Make sure that is intended.'),
  IstioMutualToWorkloadWithoutSidecar: t('MSH0003', 'IstioMutualToWorkloadWithoutSidecar', 'Error', 'DestinationRule sets tls.mode ISTIO_MUTUAL for host %s, but its pods %s have no sidecar to terminate mutual TLS: requests will fail.'),
  SplitSubsetNotReady: t('MSH0004', 'SplitSubsetNotReady', 'Error', 'The route sends %s%% of traffic to subset %s of %s, but none of its %s pod(s) is ready.'),
  PrincipalServiceAccountNotFound: t('MSH0005', 'PrincipalServiceAccountNotFound', 'Warning', 'Principal %s names service account %s/%s, which does not exist.'),
  DenyAllWithoutAllow: t('MSH0006', 'DenyAllWithoutAllow', 'Warning', 'Namespace %s has a deny-all policy (%s) and no ALLOW policy: every request to its workloads is denied.'),
  AllowPolicySelectsNoWorkload: t('MSH0007', 'AllowPolicySelectsNoWorkload', 'Warning', 'This ALLOW policy selects no workload (labels %s): it has no effect.'),
} as const;

/** Fills a template (%s and %q placeholders, %% for a percent sign). */
export function formatMessage(type: MessageType, args: unknown[]): string {
  let i = 0;
  return type.template.replace(/%[sq%]/g, (p) => (p === '%%' ? '%' : p === '%q' ? JSON.stringify(String(args[i++])) : String(args[i++])));
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
