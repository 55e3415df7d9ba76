/**
 * The one owner of output formats. stdout carries only the requested output; notices go to stderr.
 */
import { UsageError } from './errors.js';
import type { K8sObject } from '../manifests/object.js';

export const MANIFEST_FORMATS = ['yaml', 'json'] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];

/** Checks an `-o` value against the formats a command supports. */
export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`-o/--output: unknown format "${value}" (use one of: ${allowed.join(', ')})`);
}

/**
 * Renders objects as a multi-document YAML stream, or as JSON: one object as itself, several as a
 * `v1 List` (what kubectl prints and accepts).
 */
export async function renderObjects(objects: K8sObject[], format: ManifestFormat): Promise<string> {
  if (format === 'json') {
    const body = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    return JSON.stringify(body, null, 2) + '\n';
  }
  const { stringify } = await import('yaml');
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Writes to stdout, resolving when the data is flushed (so a piped consumer gets everything before exit). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** A notice for people: stderr, never stdout. */
export function notice(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
}
