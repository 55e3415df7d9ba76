/**
 * Manifest documents with source positions, for validation and analysis: every object read from a file
 * remembers where it came from, and any field path can be turned into a line and column. Reading never
 * throws for bad content: what cannot be read becomes a problem with a position.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { K8sObject } from './object.js';

/** A path into an object: keys and list indexes. */
export type FieldPath = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export interface SourceObject {
  object: K8sObject;
  source: string;
  /** Position of a field (its key when `key`, or when it is a block mapping or list), or of the nearest ancestor that exists. */
  locate(path: FieldPath, key?: boolean): Position;
}

export interface SourceProblem extends Position {
  source: string;
  message: string;
}

export interface SourceSet {
  objects: SourceObject[];
  problems: SourceProblem[];
}

/** Files larger than this are refused with a problem rather than parsed. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_ALIASES = 100;

/** Renders a field path as `spec.http[0].route[1].weight`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** Parses one stream of YAML/JSON documents. */
export async function parseSource(bytes: Buffer, source: string): Promise<SourceSet> {
  const problems: SourceProblem[] = [];
  const at = (message: string, line = 1, column = 1) => ({ objects: [], problems: [{ source, line, column, message }] });
  if (bytes.length > MAX_FILE_BYTES) return at(`file is ${(bytes.length / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; split it`);
  const nul = bytes.indexOf(0);
  if (nul !== -1) return at('binary file (it contains NUL bytes); expected YAML or JSON');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return at('not valid UTF-8; save the file as UTF-8');
  }
  const { parseAllDocuments, LineCounter, isMap, isSeq, isScalar, isPair } = await import('yaml');
  const lineCounter = new LineCounter();
  let docs: any[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } catch (err) {
    return at(err instanceof RangeError ? 'nesting too deep to parse' : `cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
  const pos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const objects: SourceObject[] = [];
  for (const doc of docs) {
    const errs = [...doc.errors];
    if (errs.length > 0) {
      for (const e of errs) problems.push({ source, ...pos(e.pos[0]), message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      const msg = (err as Error).message;
      problems.push({
        source, ...pos(doc.range[0]),
        message: err instanceof RangeError ? 'nesting too deep to read' : /alias/i.test(msg) ? `too many YAML aliases (over ${MAX_ALIASES}): refusing a possible alias bomb` : msg.split('\n')[0],
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    const start = pos(doc.contents?.range?.[0] ?? doc.range[0]);
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ source, ...start, message: `a document must be a mapping (a Kubernetes object), not ${Array.isArray(value) ? 'a list' : 'a scalar'}` });
      continue;
    }
    const locateIn = (prefix: FieldPath) => (path: FieldPath, key = false): Position => {
      let node: any = doc.contents;
      let best = node;
      let keyNode: any;
      for (const p of [...prefix, ...path]) {
        keyNode = undefined;
        if (isMap(node)) {
          const pair: any = node.items.find((it: any) => isPair(it) && (isScalar(it.key) ? it.key.value : it.key) === p);
          if (!pair) break;
          keyNode = pair.key;
          node = pair.value;
        } else if (isSeq(node) && typeof p === 'number' && node.items[p] !== undefined) {
          node = node.items[p];
        } else {
          break;
        }
        best = node ?? keyNode ?? best;
        if (!node) break;
      }
      // a block mapping or list is shown at its key (the line that names it), a scalar at its value
      const target = keyNode && (key || ((isMap(best) || isSeq(best)) && !(best as any).flow)) ? keyNode : best;
      return pos(target?.range?.[0] ?? doc.range[0]);
    };
    const obj = value as K8sObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      obj.items.forEach((item: unknown, i: number) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) objects.push({ object: item as K8sObject, source, locate: locateIn(['items', i]) });
        else problems.push({ source, ...locateIn([])(['items', i]), message: 'a List item must be a mapping (a Kubernetes object)' });
      });
    } else {
      objects.push({ object: obj, source, locate: locateIn([]) });
    }
  }
  return { objects, problems };
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Files named by the paths: files as given, directories walked recursively for .yaml/.yml/.json; `-` is stdin. */
export async function expandPaths(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile() && MANIFEST_EXT.test(entry.name)) files.push(p);
    }
  };
  for (const p of paths) {
    if (p === '-') {
      files.push(p);
      continue;
    }
    try {
      if ((await stat(p)).isDirectory()) await walk(p);
      else files.push(p);
    } catch {
      missing.push(p);
    }
  }
  return { files, missing };
}

/** Reads and parses every file (stdin for `-`). */
export async function loadSources(files: string[]): Promise<SourceSet> {
  const all: SourceSet = { objects: [], problems: [] };
  for (const file of files) {
    let bytes: Buffer;
    try {
      if (file === '-') {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        bytes = Buffer.concat(chunks);
      } else {
        const size = (await stat(file)).size;
        if (size > MAX_FILE_BYTES) {
          all.problems.push({ source: file, line: 1, column: 1, message: `file is ${(size / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; split it` });
          continue;
        }
        bytes = await readFile(file);
      }
    } catch (err) {
      all.problems.push({ source: file, line: 1, column: 1, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const set = await parseSource(bytes, file === '-' ? '<stdin>' : file);
    all.objects.push(...set.objects);
    all.problems.push(...set.problems);
  }
  return all;
}
