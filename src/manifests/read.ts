/**
 * Reading the objects of one manifest stream (a file, or stdin for `-`) for commands that take existing
 * resources (`--from`): any problem in the stream is an InputError (exit 65) naming its position.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../ui/errors.js';
import { loadSources } from './documents.js';
import type { K8sObject } from './object.js';

export async function loadObjects(path: string): Promise<K8sObject[]> {
  if (path !== '-') {
    try {
      if ((await stat(path)).isDirectory()) throw new InputError(`cannot read ${path}: it is a directory`);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`cannot read ${path}: no such file`, { cause: err });
    }
  }
  const { objects, problems } = await loadSources([path]);
  if (problems.length > 0) {
    const p = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    throw new InputError(`${p.source}:${p.line}:${p.column}: ${p.message}${more}`);
  }
  const name = path === '-' ? '<stdin>' : path;
  // an empty stream is most often a failed command earlier in a pipe: merging into nothing would print
  // resources without the earlier changes, and applying them would undo those
  if (objects.length === 0) throw new InputError(`${name}: no manifests found (empty input; did the command before it in the pipe fail?)`);
  for (const { object: o } of objects) {
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new InputError(`${name}: every object needs apiVersion, kind and metadata.name`);
    }
  }
  return objects.map((o) => o.object);
}
