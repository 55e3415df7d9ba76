/**
 * What an analyzer is: a small pure unit that declares its name, what it reads and what it can report, and
 * runs over a snapshot. With a cluster it always runs: a kind it reads that is absent means "not found" for a
 * reference, as in istioctl. Files alone are different (istioctl's file mode): Kubernetes' own kinds that the
 * files hold none of were not looked at, so an analyzer that reads one is not run (and said to be skipped),
 * rather than reporting every Service or Pod missing.
 */
import type { FieldPath } from '../manifests/documents.js';
import type { MessageArg, MessageType } from './messages.js';
import type { Resource, Snapshot } from './snapshot.js';

export interface Diagnostic {
  type: MessageType;
  resource: Resource;
  args: MessageArg[];
  /** The field the message is about (for the file:line reference). */
  path?: FieldPath;
}

/** Reports a message about a resource; the arguments are typed as the message type says. */
export type Report = <A extends MessageArg[]>(type: MessageType<A>, resource: Resource, path: FieldPath | undefined, ...args: A) => void;

/**
 * Kubernetes' built-in kinds that analyzers look things up in, so that their absence is a finding (a host, a
 * workload, a namespace, a secret, a service account not found). istioctl's file mode reads none of them and skips
 * the analyzers that need them; meshctl reads those the files hold, and skips the analyzers that need one the
 * files hold none of. Built-in kinds read only for context (ConfigMaps, Deployments, Nodes, webhook
 * configurations) are taken as they are: their absence makes no finding.
 */
export const LOOKED_UP_KINDS: readonly string[] = ['Pod', 'Service', 'Namespace', 'Secret', 'ServiceAccount'];

export interface Analyzer {
  /** Istio's analyzer name where meshctl implements one of Istio's analyzers (`virtualservice.GatewayAnalyzer`). */
  name: string;
  description: string;
  /** Kinds it reads (`-L` lists them; the live cluster is listed for the union). */
  reads: string[];
  /** The message types it can report. */
  reports: MessageType<any>[];
  run(snapshot: Snapshot, report: Report): void;
}
