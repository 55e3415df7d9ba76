/**
 * What an analyzer is: a small pure unit that declares its name, what it reads and what it can report, and
 * runs over a snapshot. It always runs: a kind it reads that is absent means "not found" for a reference,
 * as in istioctl, never "skip the analyzer".
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
