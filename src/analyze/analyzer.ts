/** What an analyzer is: a small pure unit that declares its name, description and the kinds it reads. */
import type { FieldPath } from '../manifests/documents.js';
import type { MessageType } from './messages.js';
import type { Resource, Snapshot } from './snapshot.js';

export interface Diagnostic {
  type: MessageType;
  resource: Resource;
  args: unknown[];
  /** The field the message is about (for the file:line reference). */
  path?: FieldPath;
}

export type Report = (type: MessageType, resource: Resource, path: FieldPath | undefined, ...args: unknown[]) => void;

export interface Analyzer {
  name: string;
  description: string;
  /** Kinds it reads; it is skipped (and `-v` says so) when one of them is absent from the snapshot. */
  inputs: string[];
  run(snapshot: Snapshot, report: Report): void;
}
