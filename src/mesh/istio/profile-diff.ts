/**
 * What two installs would differ in: the objects each renders, compared by identity and content. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import { objectRef, type K8sObject } from '../../manifests/object.js';

export interface RenderedDiff {
  /** Objects only the first install has, as "Kind ns/name". */
  onlyInA: string[];
  onlyInB: string[];
  /** Objects both have, with different content. */
  changed: { ref: string; a: K8sObject; b: K8sObject }[];
  /** How many objects are the same in both. */
  same: number;
}

/** Compares two rendered installs object by object. */
export function diffRendered(a: K8sObject[], b: K8sObject[]): RenderedDiff {
  const key = (o: K8sObject) => `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : ''}|${objectRef(o)}`;
  const inB = new Map(b.map((o) => [key(o), o]));
  const inA = new Map(a.map((o) => [key(o), o]));
  const diff: RenderedDiff = { onlyInA: [], onlyInB: [], changed: [], same: 0 };
  for (const [k, o] of inA) {
    const other = inB.get(k);
    if (!other) diff.onlyInA.push(objectRef(o));
    else if (isDeepStrictEqual(o, other)) diff.same++;
    else diff.changed.push({ ref: objectRef(o), a: o, b: other });
  }
  for (const [k, o] of inB) if (!inA.has(k)) diff.onlyInB.push(objectRef(o));
  diff.onlyInA.sort();
  diff.onlyInB.sort();
  diff.changed.sort((x, y) => x.ref.localeCompare(y.ref));
  return diff;
}
