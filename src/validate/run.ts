/**
 * Validation of manifest sources: parse problems, object metadata, the schema of each kind (from CRDs),
 * and the semantic rules. Pure apart from the schema set it is given.
 */
import { formatPath, type FieldPath, type SourceObject, type SourceSet } from '../manifests/documents.js';
import { metadataFindings, semanticFindings, hasSemanticChecks } from './semantic.js';
import type { SchemaSet } from '../schema/schema.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  file: string;
  line: number;
  column: number;
  kind: string;
  namespace: string;
  name: string;
  /** Field path like spec.http[0].route[1].weight ('' for the whole document). */
  field: string;
  message: string;
  severity: Severity;
  /** Which check found it: parse, schema, unknown-field, cel, unknown-kind, or a semantic rule id. */
  rule: string;
}

export interface ValidateOptions {
  /** Unknown kinds are errors rather than warnings. */
  strict?: boolean;
}

function finding(src: SourceObject, path: FieldPath, atKey: boolean, message: string, severity: Severity, rule: string): Finding {
  const { line, column } = src.locate(path, atKey);
  const o = src.object;
  return {
    file: src.source, line, column, kind: typeof o.kind === 'string' ? o.kind : '', namespace: typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : '',
    name: typeof o.metadata?.name === 'string' ? o.metadata.name : '', field: formatPath(path), message, severity, rule,
  };
}

/** Kinds checked without a CRD (core and apps groups). */
const BUILTIN = new Set(['v1/Service', 'v1/Pod', 'v1/Namespace', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet']);

/** Validates one object. */
export async function validateObject(src: SourceObject, schemas: SchemaSet, opts: ValidateOptions = {}): Promise<Finding[]> {
  const o = src.object;
  const out: Finding[] = [];
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') out.push(finding(src, [], false, 'missing apiVersion', 'error', 'parse'));
  if (typeof o.kind !== 'string' || o.kind === '') out.push(finding(src, [], false, 'missing kind', 'error', 'parse'));
  if (out.length > 0) return out;
  for (const f of metadataFindings(o)) out.push(finding(src, f.path, false, f.message, f.severity, f.rule));
  const entry = schemas.find(o.apiVersion, o.kind);
  if (entry) {
    for (const f of await schemas.validate(o, entry)) out.push(finding(src, f.path, Boolean(f.atKey), f.message, f.severity, f.check));
  } else if (!BUILTIN.has(`${o.apiVersion}/${o.kind}`) && !(o.apiVersion === 'install.istio.io/v1alpha1' && o.kind === 'IstioOperator')) {
    // (an IstioOperator is checked against the types istioctl decodes it into: semantic.ts, istio-operator.ts)
    const served = schemas.knowsGroupKind(o.apiVersion, o.kind);
    if (served.length > 0) {
      out.push(finding(src, ['apiVersion'], false, `${o.kind} is not served in ${o.apiVersion} (served: ${served.join(', ')})`, 'error', 'unknown-kind'));
    } else {
      // never a silent pass: semantic rules alone are not a schema check
      const partly = hasSemanticChecks(o.apiVersion, o.kind) ? ' (only meshctl\'s semantic rules were applied)' : '';
      out.push(finding(src, ['kind'], false, `${o.kind} in ${o.apiVersion}: not schema-checked, the schemas used have none for it${partly}; give its CRD with --crds, or use --use-kube`, opts.strict ? 'error' : 'warning', 'unknown-kind'));
    }
  }
  // a semantic rule that restates what the schema or a CEL rule already reported for the field is dropped
  const reported = new Set(out.filter((f) => f.rule === 'schema' || f.rule === 'cel').map((f) => f.field));
  for (const f of semanticFindings(o)) {
    if (f.severity === 'error' && reported.has(formatPath(f.path))) continue;
    out.push(finding(src, f.path, Boolean(f.atKey), f.message, f.severity, f.rule));
  }
  return out;
}

/** Validates every object and reports every parse problem, in file order. */
export async function validateSources(set: SourceSet, schemas: SchemaSet, opts: ValidateOptions = {}): Promise<Finding[]> {
  const out: Finding[] = set.problems.map((p) => ({ file: p.source, line: p.line, column: p.column, kind: '', namespace: '', name: '', field: '', message: p.message, severity: 'error' as const, rule: 'parse' }));
  for (const src of set.objects) out.push(...(await validateObject(src, schemas, opts)));
  const order = new Map<string, number>();
  for (const f of out) if (!order.has(f.file)) order.set(f.file, order.size);
  return out.sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line || a.column - b.column);
}
