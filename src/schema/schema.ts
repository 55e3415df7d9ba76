/**
 * Schema validation against the openAPIV3Schema of CustomResourceDefinitions: value constraints with
 * ajv, unknown fields (which the apiserver would prune silently) by walking object and schema together,
 * and the CRDs' CEL rules. Compiled validators are kept per kind for the life of the SchemaSet.
 */
import { AJV_OPTIONS, ajvSchema, schemaKey } from './prepare.js';
import { re2RegExp } from './re2.js';
import { FORMAT_WORDS } from './formats.js';
import type { K8sObject } from '../manifests/object.js';
import type { FieldPath } from '../manifests/documents.js';
import { CEL_OBJECT_BUDGET, CEL_PER_CALL_LIMIT, CelBudgetExhausted, CelCallLimit, celCompiler, type CelBudget, type CompiledRule } from './cel.js';

export interface SchemaFinding {
  path: FieldPath;
  message: string;
  severity: 'error' | 'warning';
  /** Which check: the schema's value constraints, an unknown field, or a CEL rule. */
  check: 'schema' | 'unknown-field' | 'cel';
  /** Point at the key rather than the value (unknown fields). */
  atKey?: boolean;
}

export interface KindSchema {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  schema: any;
  /** Where the CRD came from (release, file, cluster). */
  origin: string;
  /** Status is a subresource: the apiserver drops the status of an object written whole, so it is not checked. */
  statusSubresource?: boolean;
}

/** The served versions of CRDs, as kind schemas. */
export function schemasFromCrds(crds: K8sObject[], origin: string): KindSchema[] {
  const out: KindSchema[] = [];
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    const spec = crd.spec ?? {};
    for (const v of spec.versions ?? []) {
      if (v.served === false || !v.schema?.openAPIV3Schema) continue;
      out.push({
        group: spec.group, version: v.name, kind: spec.names?.kind, namespaced: spec.scope !== 'Cluster', schema: v.schema.openAPIV3Schema, origin,
        statusSubresource: Boolean(v.subresources?.status),
      });
    }
  }
  return out;
}

interface CompiledKind {
  entry: KindSchema;
  validate: any;
  /** The compiled CEL rules of a schema node (compiled on first use). */
  rules: (node: any) => CompiledRule[];
  /** Whether the schema has any CEL rule (the apiserver has no CEL validator for a kind without one). */
  hasRules: boolean;
}

/** Whether a schema node or one below it (where the walk goes) has CEL rules. */
function hasCelRules(node: any): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node['x-kubernetes-validations']) && node['x-kubernetes-validations'].length > 0) return true;
  return [...Object.values(node.properties ?? {}), node.items, node.additionalProperties].some(hasCelRules);
}

/** The ranges of the integer formats (64-bit ones up to what a JSON number holds exactly). */
const INTEGER_RANGES: Record<string, [number, number]> = {
  int32: [-2_147_483_648, 2_147_483_647], uint32: [0, 4_294_967_295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** The validator compiled at build time for a prepared schema, if there is one. */
async function precompiledValidator(prepared: unknown): Promise<any> {
  const { PRECOMPILED } = await import('./precompiled/index.js');
  const load = PRECOMPILED[schemaKey(prepared)];
  return load ? (await load()).default : undefined;
}

/** A set of kind schemas with lazily compiled validators. */
export class SchemaSet {
  private readonly byKey = new Map<string, KindSchema>();
  private readonly compiled = new Map<string, Promise<CompiledKind>>();
  private ajv: any;

  /** Where the schemas come from ("bundled: Istio …", "files …", "cluster …"; "no schemas" when empty). */
  readonly origin: string;

  /** `precompiled: false` compiles every schema at run time (to compare with the validators compiled at build). */
  constructor(schemas: KindSchema[], private readonly precompiled = true) {
    for (const s of schemas) this.byKey.set(`${s.group}/${s.version}/${s.kind}`, s);
    this.origin = schemas[0]?.origin ?? 'no schemas';
  }

  /** The schema for an apiVersion and kind, if known. */
  find(apiVersion: string, kind: string): KindSchema | undefined {
    return this.byKey.get(`${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}/${kind}`);
  }

  /** Whether any version of the kind's group is known (to tell an unknown version from an unknown kind). */
  knowsGroupKind(apiVersion: string, kind: string): string[] {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    return [...this.byKey.values()].filter((s) => s.group === group && s.kind === kind).map((s) => `${s.group}/${s.version}`);
  }

  /** The apiVersions a kind is known in, in any group. */
  versionsOfKind(kind: string): string[] {
    return [...this.byKey.values()].filter((s) => s.kind === kind).map((s) => `${s.group}/${s.version}`);
  }

  private async compile(entry: KindSchema): Promise<CompiledKind> {
    const prepared = ajvSchema(entry.schema);
    const validate = (this.precompiled ? await precompiledValidator(prepared) : undefined) ?? (await this.ajvInstance()).compile(prepared);
    // CEL rules are compiled where an object first reaches them: most of a large schema's rules sit on fields
    // that few objects set
    const compileRule = await celCompiler();
    const compiledRules = new WeakMap<object, CompiledRule[]>();
    const rules = (node: any): CompiledRule[] => {
      if (!Array.isArray(node?.['x-kubernetes-validations'])) return [];
      let list = compiledRules.get(node);
      if (!list) {
        list = node['x-kubernetes-validations'].map(compileRule);
        compiledRules.set(node, list!);
      }
      return list!;
    };
    return { entry, validate, rules, hasRules: hasCelRules(entry.schema) };
  }

  private async ajvInstance(): Promise<any> {
    if (!this.ajv) {
      const { default: Ajv } = await import('ajv');
      const AjvClass = (Ajv as any).default ?? Ajv;
      // CRD patterns with RE2, as the apiserver (Go's regexp): linear time, and (?i) and friends work
      this.ajv = new AjvClass({ ...AJV_OPTIONS, code: { regExp: re2RegExp } });
    }
    return this.ajv;
  }

  private compiledFor(entry: KindSchema): Promise<CompiledKind> {
    const key = `${entry.group}/${entry.version}/${entry.kind}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = this.compile(entry);
      this.compiled.set(key, c);
    }
    return c;
  }

  /** Every CEL rule of the known kinds, compiled, to list which are covered. */
  async celCoverage(): Promise<{ kind: string; version: string; rule: CompiledRule }[]> {
    const out: { kind: string; version: string; rule: CompiledRule }[] = [];
    for (const entry of this.byKey.values()) {
      const { rules } = await this.compiledFor(entry);
      const visit = (node: any): void => {
        if (!node || typeof node !== 'object') return;
        for (const rule of rules(node)) out.push({ kind: entry.kind, version: entry.version, rule });
        for (const child of [...Object.values(node.properties ?? {}), node.items, typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined]) visit(child);
      };
      visit(entry.schema);
    }
    return out;
  }

  /** Validates an object against its kind's schema. */
  async validate(obj: K8sObject, entry: KindSchema): Promise<SchemaFinding[]> {
    const c = await this.compiledFor(entry);
    obj = cloneData(obj); // defaults are filled in on a copy
    // as the apiserver: a status written with the object is dropped, never validated, where status is a subresource
    if (entry.statusSubresource) delete obj.status;
    // the apiserver fills in the schema's defaults before it validates (a Gateway address without a type is an IPAddress)
    applyDefaults(obj, entry.schema);
    // unknown fields are reported by the walk below
    const findings = ajvFindings(c, obj, (e) => e.keyword !== 'additionalProperties');
    // as the apiserver: after a wrong type, a failed format, a missing required field, a value outside its enum or
    // over a length or count limit, no CEL rule runs (their inputs cannot be trusted); it says so instead
    const celBlocked = c.hasRules && (c.validate.errors ?? []).some((e: any) => BLOCKS_CEL.has(e.keyword));
    walk(obj, entry.schema, [], celBlocked ? () => [] : c.rules, { remaining: CEL_OBJECT_BUDGET }, findings);
    if (celBlocked) findings.push({ path: [], message: CEL_NOT_CHECKED, severity: 'error', check: 'cel' });
    return findings;
  }

  /**
   * Only the fields whose JSON type is wrong (a string where a list is, null in a list of objects): the cheap
   * check made where documents from files enter code that walks them.
   */
  async typeErrors(obj: K8sObject, entry: KindSchema): Promise<SchemaFinding[]> {
    return ajvFindings(await this.compiledFor(entry), cloneData(obj), (e) => e.keyword === 'type');
  }
}

/**
 * A copy of parsed YAML/JSON data (objects, arrays, strings, numbers, booleans, null): what the validators fill
 * defaults into. Several times cheaper than structuredClone for such data, which matters at 10,000 objects.
 */
export function cloneData<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneData) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const value = cloneData((v as Record<string, unknown>)[k]);
    // a key named __proto__ stays a key (an assignment would set the copy's prototype)
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out as T;
}

/**
 * The schema checks whose failure stops the CEL rules, as the apiserver's `hasBlockingErr` (type, required, enum,
 * maxLength, maxItems and maxProperties: field errors TypeInvalid, Required, NotSupported, TooLong, TooMany; a
 * string format it checks fails as a type: "must be of type ipv4").
 */
const BLOCKS_CEL = new Set(['type', 'required', 'enum', 'maxLength', 'maxItems', 'maxProperties', 'format']);
/** The apiserver's words when it skips the CEL rules of an object that failed a blocking check. */
export const CEL_NOT_CHECKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** The schema errors ajv finds in `obj` that `keep` keeps, one per field. */
function ajvFindings(c: CompiledKind, obj: K8sObject, keep: (e: any) => boolean): SchemaFinding[] {
  if (c.validate(obj)) return [];
  const findings: SchemaFinding[] = [];
  const seen = new Set<string>();
  // a value that may take one of several formats (an IPv4 or an IPv6 address) is told all of them
  const formats = new Map<string, string[]>();
  for (const e of c.validate.errors ?? []) {
    if (e.keyword === 'format') formats.set(e.instancePath, [...(formats.get(e.instancePath) ?? []), FORMAT_WORDS[e.params.format] ?? e.params.format]);
  }
  for (const e of c.validate.errors ?? []) {
    if (!keep(e) || seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    const path: FieldPath = e.instancePath.split('/').slice(1).map((p: string) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    const message = e.keyword === 'format' ? `must be ${formats.get(e.instancePath)!.join(' or ')}` : describeAjvError(e);
    findings.push({ path, message, severity: 'error', check: 'schema' });
  }
  return findings;
}

function describeAjvError(e: any): string {
  switch (e.keyword) {
    case 'type': return `must be ${e.params.type === 'integer' ? 'an integer' : e.params.type === 'object' ? 'an object' : e.params.type === 'array' ? 'a list' : `a ${e.params.type}`}`;
    case 'enum': return `must be one of ${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
    case 'required': return `missing required field "${e.params.missingProperty}"`;
    case 'minimum': return `must be >= ${e.params.limit}`;
    case 'maximum': return `must be <= ${e.params.limit}`;
    case 'pattern': return `must match the pattern ${e.params.pattern}`;
    case 'oneOf': return e.params.passingSchemas ? 'sets more than one of fields that are mutually exclusive' : 'must match exactly one allowed form';
    case 'not': return 'sets fields that must not be set together';
    default: return e.message ?? e.keyword;
  }
}

/** Errors that come from what the CEL evaluator cannot do rather than from the object. */
const EVALUATOR_LIMIT = /has\(\) invalid argument|found no matching overload|unknown function|not supported/i;

function preservesUnknown(schema: any): boolean {
  return Boolean(schema?.['x-kubernetes-preserve-unknown-fields']);
}

/**
 * The items of a list that repeat an earlier one, as the apiserver checks `x-kubernetes-list-type: set` (whole
 * items) and `map` (the `x-kubernetes-list-map-keys` of each item).
 */
function duplicateItems(list: unknown[], schema: any): { index: number; key: string }[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return [];
  const keys: string[] = type === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'] : [];
  const seen = new Set<string>();
  const out: { index: number; key: string }[] = [];
  list.forEach((item, index) => {
    const key = type === 'set' ? JSON.stringify(item)
      : JSON.stringify(Object.fromEntries(keys.map((k) => [k, item && typeof item === 'object' ? (item as Record<string, unknown>)[k] : undefined])));
    if (seen.has(key)) out.push({ index, key });
    seen.add(key);
  });
  return out;
}

/** Walks value and schema together: unknown fields and CEL rules. */
/**
 * Fills in the schema's defaults where a field is absent, recursively (into defaults too), as the apiserver's
 * structural defaulting does before validation. Ajv's own `useDefaults` fills them in only as it reaches the
 * properties, after `oneOf`/`anyOf` alternatives have been tried on the object without them.
 */
function applyDefaults(value: unknown, schema: any): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  const obj = value as Record<string, unknown>;
  const props: Record<string, any> = schema.properties ?? {};
  for (const [k, s] of Object.entries(props)) {
    if (obj[k] === undefined && s && Object.hasOwn(s, 'default')) obj[k] = cloneData(s.default);
    if (obj[k] !== undefined) applyDefaults(obj[k], s);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const [k, v] of Object.entries(obj)) if (!Object.hasOwn(props, k)) applyDefaults(v, schema.additionalProperties);
  }
}

function walk(value: unknown, schema: any, path: FieldPath, rules: (node: any) => CompiledRule[], budget: CelBudget, out: SchemaFinding[]): void {
  if (!schema || value === undefined || value === null) return;
  for (const r of rules(schema)) {
    if (!r.covered) continue;
    // as the apiserver: once a rule passes a cost limit, no further rule runs on the object
    if (budget.remaining < 0) break;
    const result = budget.remaining === 0 ? new CelBudgetExhausted('no budget left') : r.evaluate(value, budget);
    if (result instanceof CelCallLimit || result instanceof CelBudgetExhausted) {
      budget.remaining = -1;
      const why = result instanceof CelCallLimit
        ? `the rule's cost passes the apiserver's limit for one evaluation (${CEL_PER_CALL_LIMIT.toLocaleString('en')}); no further validation rules will be run: ${r.rule.rule}`
        : `validation failed due to running out of cost budget (${CEL_OBJECT_BUDGET.toLocaleString('en')} per object), no further validation rules will be run`;
      out.push({ path, message: why, severity: 'error', check: 'cel' });
      break;
    }
    if (result instanceof Error && EVALUATOR_LIMIT.test(result.message)) continue; // the evaluator's limit, not the object's fault
    if (result !== true) {
      const rulePath = r.rule.fieldPath ? [...path, ...r.rule.fieldPath.replace(/^\./, '').split('.').filter(Boolean)] : path;
      const why = r.rule.message ?? `failed rule: ${r.rule.rule}`;
      out.push({ path: rulePath, message: result instanceof Error ? `${why} (${result.message.split('\n')[0]})` : why, severity: 'error', check: 'cel' });
    }
  }
  const range = typeof value === 'number' && typeof schema.format === 'string' ? INTEGER_RANGES[schema.format] : undefined;
  if (range && typeof value === 'number' && Number.isInteger(value) && (value < range[0] || value > range[1])) {
    out.push({ path, message: `must be an ${schema.format} (${range[0]} to ${range[1]})`, severity: 'error', check: 'schema' });
  }
  if (Array.isArray(value)) {
    for (const i of duplicateItems(value, schema)) {
      out.push({ path: [...path, i.index], message: `Duplicate value: ${i.key} (the list's ${schema['x-kubernetes-list-type'] === 'map' ? 'keys' : 'items'} must be unique)`, severity: 'error', check: 'schema' });
    }
    if (schema.items) value.forEach((v, i) => walk(v, schema.items, [...path, i], rules, budget, out));
    return;
  }
  if (typeof value !== 'object') return;
  const props = schema.properties;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (path.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status')) continue;
    if (props && Object.hasOwn(props, k)) walk(v, props[k], [...path, k], rules, budget, out);
    else if (typeof schema.additionalProperties === 'object') walk(v, schema.additionalProperties, [...path, k], rules, budget, out);
    else if (props && schema.additionalProperties !== true && !preservesUnknown(schema)) {
      out.push({ path: [...path, k], message: 'unknown field (the apiserver would drop it silently, or reject it under strict field validation)', severity: 'error', check: 'unknown-field', atKey: true });
    }
  }
}
