/** Output of validation findings: compiler-style text, JSON, or SARIF 2.1.0 (for code scanning). */
import { objectRef } from '../manifests/object.js';
import type { Finding } from './run.js';
import { printable } from '../ui/output.js';
import { formatSarif as sarif } from '../ui/sarif.js';

function objectName(f: Finding): string {
  if (!f.kind) return '';
  return `${objectRef(f)}: `;
}

/** `file:line:col: error: Kind ns/name: field: message`, one line per finding. */
export function formatText(findings: Finding[]): string {
  // one line per finding, whatever the file, names and values hold
  return findings.map((f) => printable(`${f.file}:${f.line}:${f.column}: ${f.severity}: ${objectName(f)}${f.field ? `${f.field}: ` : ''}${f.message}`)).join('\n') + (findings.length ? '\n' : '');
}

/** What a validation run covered, for CI: documents checked against a schema, not checked, errors, warnings. */
export interface ValidateSummary {
  files: number;
  documents: number;
  /** Documents checked against a schema (a CRD's, or meshctl's rules for built-in kinds). */
  checked: number;
  /** Documents whose kind had no schema in the chosen source ("not schema-checked"). */
  unchecked: number;
  /** Documents that could not be parsed. */
  unparsed: number;
  errors: number;
  warnings: number;
  /** Where the schemas came from. */
  schemas: string;
}

/** The summary of a run over `files` files holding `documents` parsed documents. */
export function summarize(findings: Finding[], files: number, documents: number, schemas: string): ValidateSummary {
  const unchecked = new Set(findings.filter((f) => f.rule === 'unknown-kind').map((f) => `${f.file}:${f.line}`)).size;
  const unparsed = findings.filter((f) => f.rule === 'parse' && !f.kind).length;
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { files, documents, checked: documents - unchecked, unchecked, unparsed, errors, warnings: findings.length - errors, schemas };
}

/** The line on stderr after text output: what was read and checked, the verdict, and where the schemas came from. */
export function verdictLine(summary: ValidateSummary): string {
  const verdict = summary.errors + summary.warnings === 0 ? 'no problems' : `${summary.errors} error(s), ${summary.warnings} warning(s)`;
  const unchecked = summary.unchecked > 0 ? `, ${summary.unchecked} not schema-checked` : '';
  return `${summary.files} file(s), ${summary.documents} document(s)${unchecked}: ${verdict} (schemas: ${summary.schemas})\n`;
}

/** `{ summary, findings }`. */
export function formatJson(findings: Finding[], summary: ValidateSummary): string {
  const list = findings.map(({ file, line, column, kind, namespace, name, field, message, severity, rule }) => (
    { file, line, column, kind, namespace, name, field, message, severity, rule }
  ));
  return JSON.stringify({ summary, findings: list }, null, 2) + '\n';
}

/** SARIF 2.1.0 with one rule per check id, results pointing at file, line and column. */
export function formatSarif(findings: Finding[], toolVersion: string): string {
  return sarif({ name: 'meshctl', version: toolVersion }, findings.map((f) => ({ id: f.rule, description: `meshctl validate: ${f.rule}` })), findings.map((f) => ({
    ruleId: f.rule, level: f.severity, message: `${objectName(f)}${f.field ? `${f.field}: ` : ''}${f.message}`, file: f.file, line: f.line, column: f.column,
  })));
}
