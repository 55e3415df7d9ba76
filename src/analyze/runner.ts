/**
 * Runs analyzers over a snapshot and turns their diagnostics into messages: system namespaces skipped,
 * suppressions applied (the galley.istio.io/analyze-suppress annotation and --suppress), one place.
 */
import type { Analyzer, Diagnostic } from './analyzer.js';
import { ANNOTATION_ANALYZERS } from './analyzers/annotations.js';
import { DESTINATION_RULE_ANALYZERS } from './analyzers/destinationrule.js';
import { GATEWAY_ANALYZERS } from './analyzers/gateway.js';
import { CONDITION_ANALYZERS } from './analyzers/conditions.js';
import { CONTROL_PLANE_ANALYZERS } from './analyzers/controlplane.js';
import { ENVOY_FILTER_ANALYZERS } from './analyzers/envoyfilter.js';
import { INJECTION_ANALYZERS } from './analyzers/injection.js';
import { schemaValidation } from './analyzers/schema.js';
import { SECURITY_ANALYZERS } from './analyzers/security.js';
import { SERVICE_ANALYZERS } from './analyzers/service.js';
import { SERVICE_ENTRY_ANALYZERS } from './analyzers/serviceentry.js';
import { SIDECAR_ANALYZERS } from './analyzers/sidecar.js';
import { WORKLOAD_ANALYZERS } from './analyzers/workload.js';
import { splitSubsetsReady } from './analyzers/split.js';
import { VIRTUAL_SERVICE_ANALYZERS } from './analyzers/virtualservice.js';
import { documentationUrl, formatMessage, MESSAGES, type Level, type MessageType } from './messages.js';
import { lineOf, originOf, SYSTEM_NAMESPACES, type Resource, type Snapshot } from './snapshot.js';

export const ALL_ANALYZERS: Analyzer[] = [
  ...VIRTUAL_SERVICE_ANALYZERS, ...DESTINATION_RULE_ANALYZERS, ...GATEWAY_ANALYZERS, ...INJECTION_ANALYZERS,
  ...SERVICE_ANALYZERS, ...SERVICE_ENTRY_ANALYZERS, ...SIDECAR_ANALYZERS, ...WORKLOAD_ANALYZERS, ...ENVOY_FILTER_ANALYZERS,
  ...CONDITION_ANALYZERS, ...CONTROL_PLANE_ANALYZERS, ...SECURITY_ANALYZERS, splitSubsetsReady, ...ANNOTATION_ANALYZERS, schemaValidation,
];

/** The codes meshctl reports (each analyzer declares its message types), in code order. */
export function implementedCodes(analyzers: Analyzer[] = ALL_ANALYZERS): MessageType[] {
  // IST0001 is the runner's own: an analyzer that fails
  const byCode = new Map<string, MessageType>([[MESSAGES.InternalError.code, MESSAGES.InternalError]]);
  for (const a of analyzers) for (const t of a.reports) byCode.set(t.code, t);
  return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export interface Message {
  code: string;
  level: Level;
  message: string;
  /** `Kind ns/name` (`Kind name` for cluster-scoped resources). */
  origin: string;
  /** `file:line` for resources read from files. */
  reference?: string;
  documentationUrl: string;
  /** The resource came from a file that overlays the live cluster. */
  fromFile: boolean;
}

export interface Suppression {
  code: string;
  resource: string;
}

export interface RunOptions {
  analyzers?: string[];
  suppress?: Suppression[];
  /** Only messages about resources in this namespace (cluster-scoped resources are kept). */
  namespace?: string;
  /** The analyzers to choose from (default: all of meshctl's). */
  from?: Analyzer[];
  /** Kinds that were not looked at (files alone hold none): analyzers reading one are skipped, not run on nothing. */
  unread?: readonly string[];
}

export interface RunResult {
  messages: Message[];
  /** Messages about resources in other namespaces than `namespace`, left out. */
  otherNamespaces: number;
  /** The analyzers run. */
  executed: string[];
  /** The analyzers not run, each with the kinds it reads that were not looked at. */
  skipped: { name: string; kinds: string[] }[];
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

const SCHEMA_PER_KIND = /^schema\.ValidationAnalyzer\.([A-Za-z]+)$/;

/**
 * The analyzers a run uses: those whose name matches one of `names` (globs), or all of them. istioctl's per-kind
 * names of the schema analyzer (`schema.ValidationAnalyzer.Gateway`) select it for that kind alone.
 */
export function selectAnalyzers(names: string[] = [], from: Analyzer[] = ALL_ANALYZERS): Analyzer[] {
  if (names.length === 0) return from;
  const selected = from.filter((a) => names.some((n) => globToRegExp(n).test(a.name)));
  for (const n of names) {
    const kind = SCHEMA_PER_KIND.exec(n)?.[1];
    const schema = from.find((a) => a.name === 'schema.ValidationAnalyzer');
    if (!kind || !schema || selected.includes(schema)) continue;
    selected.push({
      ...schema, name: n, description: `${schema.description} (${kind} only)`,
      run: (s, report) => schema.run(s, (type, r, path, ...args) => { if (r.kind === kind) report(type, r, path, ...args); }),
    });
  }
  return selected;
}

/** Parses `CODE=Kind ns/name` (globs allowed in both parts). */
export function parseSuppression(value: string): Suppression | undefined {
  const m = /^([^=\s]+)=(.+)$/.exec(value.trim());
  return m ? { code: m[1], resource: m[2].trim() } : undefined;
}

function suppressedByAnnotation(r: Resource, code: string): boolean {
  const v = r.object.metadata.annotations?.['galley.istio.io/analyze-suppress'];
  if (typeof v !== 'string') return false;
  return v.split(',').map((x) => x.trim()).some((c) => c === '*' || c === code);
}

export function runAnalyzers(snapshot: Snapshot, opts: RunOptions = {}): RunResult {
  const selected = selectAnalyzers(opts.analyzers, opts.from);
  const failed: Message[] = [];
  const diagnostics: Diagnostic[] = [];
  const executed: string[] = [];
  const skipped: RunResult['skipped'] = [];
  for (const a of selected) {
    const unread = a.reads.filter((k) => opts.unread?.includes(k));
    if (unread.length > 0) {
      skipped.push({ name: a.name, kinds: unread });
      continue;
    }
    executed.push(a.name);
    try {
      a.run(snapshot, (type, resource, path, ...args) => diagnostics.push({ type: type as MessageType, resource, path, args }));
    } catch (err) {
      // a finding it could not make is reported as such, never dropped in silence
      const type = MESSAGES.InternalError;
      const message = formatMessage(type, [`analyzer ${a.name} failed: ${err instanceof Error ? err.message : String(err)}`]);
      failed.push({ code: type.code, level: type.level, message, origin: `Analyzer ${a.name}`, documentationUrl: documentationUrl(type.code), fromFile: false });
    }
  }
  const suppress = (opts.suppress ?? []).map((s) => ({ code: globToRegExp(s.code), resource: globToRegExp(s.resource) }));
  const messages: Message[] = [];
  const seen = new Set<string>();
  const elsewhere = new Set<string>();
  for (const d of diagnostics) {
    const r = d.resource;
    // the default ingress gateway that file analysis assumes (as istioctl) is not the user's to fix
    if (r.synthetic) continue;
    if (SYSTEM_NAMESPACES.includes(r.namespace) || (r.kind === 'Namespace' && SYSTEM_NAMESPACES.includes(r.name))) continue;
    if (suppressedByAnnotation(r, d.type.code)) continue;
    const origin = originOf(r);
    if (suppress.some((s) => s.code.test(d.type.code) && s.resource.test(origin))) continue;
    const reference = r.file ? `${r.file}:${lineOf(r, d.path ?? [])}` : undefined;
    if (opts.namespace && ((r.namespace && r.namespace !== opts.namespace) || (r.kind === 'Namespace' && r.name !== opts.namespace))) {
      elsewhere.add(`${d.type.code}|${origin}|${reference}|${formatMessage(d.type, d.args)}`);
      continue;
    }
    const message = formatMessage(d.type, d.args);
    const key = `${d.type.code}|${origin}|${reference}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    messages.push({
      code: d.type.code, level: d.type.level, message, origin, reference, documentationUrl: documentationUrl(d.type.code), fromFile: Boolean(r.file),
    });
  }
  return { messages: [...failed, ...messages], otherNamespaces: elsewhere.size, executed, skipped };
}
