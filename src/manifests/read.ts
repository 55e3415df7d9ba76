/**
 * Reading Kubernetes manifests: multi-document YAML or JSON, from a file or stdin, with `List` kinds
 * unwrapped. Parse failures are reported with their position.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../ui/errors.js';
import type { K8sObject } from './object.js';

/** A problem found while reading a manifest stream. */
export interface ReadProblem {
  source: string;
  line: number;
  column: number;
  message: string;
}

export interface ReadResult {
  objects: K8sObject[];
  problems: ReadProblem[];
}

/** Parses a multi-document stream. Empty documents are skipped; non-object documents are problems. */
export async function parseManifests(text: string, source: string): Promise<ReadResult> {
  const { parseAllDocuments, LineCounter } = await import('yaml');
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true });
  const objects: K8sObject[] = [];
  const problems: ReadProblem[] = [];
  const at = (offset: number) => lineCounter.linePos(offset);
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const { line, col } = at(e.pos[0]);
        problems.push({ source, line, column: col, message: e.message.split('\n')[0] });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const { line, col } = at(doc.range[0]);
      problems.push({ source, line, column: col, message: (err as Error).message.split('\n')[0] });
      continue;
    }
    if (value === null || value === undefined) continue;
    const { line, col } = at(doc.contents?.range?.[0] ?? doc.range[0]);
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ source, line, column: col, message: `a document must be a mapping (an object), not ${Array.isArray(value) ? 'a list' : 'a scalar'}` });
      continue;
    }
    const obj = value as K8sObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      objects.push(...(obj.items as K8sObject[]));
    } else {
      objects.push(obj);
    }
  }
  return { objects, problems };
}

/** Reads a whole file, or stdin for `-`. */
export async function readSource(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new InputError(`cannot read ${path}: ${why}`, { cause: err });
  }
}

/** Reads objects from a file or stdin; any parse problem is an InputError (exit 65) naming its position. */
export async function loadObjects(path: string): Promise<K8sObject[]> {
  const name = path === '-' ? '<stdin>' : path;
  const { objects, problems } = await parseManifests(await readSource(path), name);
  if (problems.length > 0) {
    const p = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    throw new InputError(`${p.source}:${p.line}:${p.column}: ${p.message}${more}`);
  }
  for (const o of objects) {
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new InputError(`${name}: every object needs apiVersion, kind and metadata.name`);
    }
  }
  return objects;
}
