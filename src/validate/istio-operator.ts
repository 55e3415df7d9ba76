/**
 * What istioctl checks of an IstioOperator (an install overlay, `meshctl install -f`): it decodes the spec strictly
 * into Istio's operator types, so a field they do not have is refused ("could not unmarshal: json: unknown field")
 * and so is a value of the wrong JSON type, down to the Kubernetes types under `k8s` and the Values proto of
 * `values`; it needs no metadata. The shapes are generated from the Istio module (schemas/istio-operator.json,
 * scripts/gen-istio-operator-schema.mjs). What istioctl checks beyond decoding (IP ranges, feature combinations,
 * the mesh config's own rules) is not checked here.
 */
import { readAsset } from '../assets.js';
import type { FieldPath } from '../manifests/documents.js';

/** A shape: a JSON type, or a table entry's name. */
type Ref = string;
type Shape = { object: Record<string, Ref> } | { list: Ref } | { map: Ref } | null;

interface Shapes {
  root: Ref;
  types: Record<string, Shape>;
}

let shapes: Shapes | undefined;
function operatorShapes(): Shapes {
  shapes ??= JSON.parse(readAsset('schemas/istio-operator.json')) as Shapes;
  return shapes;
}

export interface OperatorProblem {
  path: FieldPath;
  message: string;
  /** An unknown field (point at its key). */
  atKey?: boolean;
}

/** The JSON type a value has, in the words of the messages. */
function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

/** A short name for a type in messages ("GlobalConfig", "v1.Affinity"). */
function shortName(ref: Ref): string {
  return ref.replace(/^.*\//, '').replace(/^istio\.operator\.v1alpha1\./, '');
}

/** What istioctl's strict decoding refuses in an IstioOperator's spec. */
export function istioOperatorProblems(spec: unknown): OperatorProblem[] {
  const { root, types } = operatorShapes();
  const out: OperatorProblem[] = [];
  const walk = (value: unknown, ref: Ref, path: FieldPath): void => {
    if (value === null || ref === 'any') return; // null decodes into anything as its zero value
    switch (ref) {
      case 'string': if (typeof value !== 'string') out.push({ path, message: `must be a string, not ${jsonType(value)} (istioctl cannot decode it)` }); return;
      case 'bool': if (typeof value !== 'boolean') out.push({ path, message: `must be true or false, not ${jsonType(value)} (istioctl cannot decode it)` }); return;
      case 'int': if (!Number.isInteger(value)) out.push({ path, message: `must be an integer, not ${jsonType(value)} (istioctl cannot decode it)` }); return;
      // a proto integer (in values): protojson takes a numeric string too
      case 'integer': if (!Number.isInteger(value) && !(typeof value === 'string' && /^-?\d+$/.test(value))) out.push({ path, message: `must be an integer, not ${jsonType(value)} (istioctl cannot decode it)` }); return;
      case 'number': if (typeof value !== 'number') out.push({ path, message: `must be a number, not ${jsonType(value)} (istioctl cannot decode it)` }); return;
    }
    const shape = types[ref];
    if (!shape) return;
    if ('list' in shape) {
      if (!Array.isArray(value)) out.push({ path, message: `must be a list, not ${jsonType(value)} (istioctl cannot decode it)` });
      else value.forEach((v, i) => walk(v, shape.list, [...path, i]));
    } else if ('map' in shape || 'object' in shape) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        out.push({ path, message: `must be an object, not ${jsonType(value)} (istioctl cannot decode it)` });
        return;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if ('map' in shape) walk(v, shape.map, [...path, k]);
        else if (Object.hasOwn(shape.object, k)) walk(v, shape.object[k], [...path, k]);
        else out.push({ path: [...path, k], message: `unknown field "${k}" in ${shortName(ref)} (istioctl refuses it)`, atKey: true });
      }
    }
  };
  walk(spec, root, ['spec']);
  return out;
}

/** Whether an object is an IstioOperator install overlay (install.istio.io). */
export function isIstioOperator(apiVersion: unknown, kind: unknown): boolean {
  return kind === 'IstioOperator' && typeof apiVersion === 'string' && apiVersion.startsWith('install.istio.io/');
}
