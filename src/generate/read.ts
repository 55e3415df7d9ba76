/**
 * Reading the objects of one manifest stream (a file, or stdin for `-`) for commands that take existing
 * resources (`--from`): any problem in the stream is an InputError (exit 65) naming its position.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../ui/errors.js';
import { formatPath, loadSources, stdinIfNamed, type SourceObject } from '../manifests/documents.js';
import { objectRef, type K8sObject } from '../manifests/object.js';

export async function loadObjects(path: string, stdin: NodeJS.ReadableStream & { destroy(): void }): Promise<K8sObject[]> {
  if (path !== '-') {
    try {
      if ((await stat(path)).isDirectory()) throw new InputError(`cannot read ${path}: it is a directory`);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`cannot read ${path}: no such file`, { cause: err });
    }
  }
  const { objects, problems } = await loadSources([path], { stdin: await stdinIfNamed([path], stdin) });
  if (problems.length > 0) {
    const p = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    throw new InputError(`${p.source}:${p.line}:${p.column}: ${p.message}${more}`);
  }
  const name = path === '-' ? '<stdin>' : path;
  // an empty stream is most often a failed command earlier in a pipe: merging into nothing would print
  // resources without the earlier changes, and applying them would undo those
  if (objects.length === 0) throw new InputError(`${name}: no manifests found (empty input; did the command before it in the pipe fail?)`);
  await checkFromObjects(objects, name);
  return objects.map((o) => o.object);
}

/**
 * The type guard at the boundary where `--from` documents enter the generators: every object has a string
 * apiVersion, kind and metadata.name (and namespace, when it has one); each object of a kind the
 * bundled schemas know must have the field types its schema gives (`hosts: reviews`, `http: [null]`,
 * `subsets: 5` are refused here, with their position, instead of reaching code that expects lists and
 * objects), and a known kind in an apiVersion no schema has is refused rather than edited unchecked.
 */
export async function checkFromObjects(objects: SourceObject[], name: string): Promise<void> {
  for (const { object: o } of objects) {
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new InputError(`${name}: every object needs apiVersion, kind and metadata.name`);
    }
    if (o.metadata.namespace !== undefined && typeof o.metadata.namespace !== 'string') {
      throw new InputError(`${name}: ${o.kind} ${o.metadata.name}: metadata.namespace must be a string`);
    }
  }
  const { crdsFromBundle } = await import('../schema/bundled.js');
  const { SchemaSet } = await import('../schema/schema.js');
  const schemas = new SchemaSet(await crdsFromBundle('experimental'));
  for (const src of objects) {
    const o = src.object;
    const what = objectRef(o);
    const entry = schemas.find(o.apiVersion, o.kind);
    if (!entry) {
      const known = schemas.versionsOfKind(o.kind);
      if (known.length > 0) throw new InputError(`${name}: ${what}: meshctl does not know ${o.kind} in ${o.apiVersion} (known: ${known.join(', ')})`);
      continue;
    }
    const [wrong] = await schemas.typeErrors(o, entry);
    if (wrong) {
      const at = src.locate(wrong.path, false);
      throw new InputError(`${name}:${at.line}:${at.column}: ${what}: ${formatPath(wrong.path)} ${wrong.message}`);
    }
  }
}
