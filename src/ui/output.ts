/**
 * The one owner of output formats. stdout carries only the requested output; notices go to stderr.
 */
import { Option } from 'commander';
import { UsageError } from './errors.js';
import { printable } from './printable.js';
import { writeTo, type Io } from './io.js';

export const MANIFEST_FORMATS = ['yaml', 'json'] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];

/**
 * The -o/--output option, declared in one place for every command: `formats`, the first the default (each
 * command's own list: istioctl's names where it copies istioctl, as analyze's `log` and proxy-config's `short`).
 */
export function outputOption(formats: readonly string[], description = 'output format'): Option {
  return new Option('-o, --output <format>', description).choices(formats).default(formats[0]);
}

/** Checks an `-o` value against the formats a command supports. */
export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`-o/--output: unknown format "${value}" (use one of: ${allowed.join(', ')})`);
}

/**
 * Renders objects as a multi-document YAML stream, or as JSON: one object as itself, several as a
 * `v1 List` (what kubectl prints and accepts).
 */
export async function renderObjects(objects: readonly object[], format: ManifestFormat): Promise<string> {
  if (format === 'json') {
    const body = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    return JSON.stringify(body, null, 2) + '\n';
  }
  const texts = await Promise.all(objects.map(yamlText));
  return texts.join('---\n');
}

/**
 * One value as YAML that a YAML 1.1 reader (kubectl's, the apiserver's go-yaml) reads back as it was: strings it
 * would take for booleans, numbers or null (on, off, yes, no, y, n, 1:20, 1_000) are quoted, so `subset: on` stays
 * the string "on".
 */
export async function yamlText(value: unknown): Promise<string> {
  const { Document, visit } = await import('yaml');
  const doc = new Document(value, { aliasDuplicateObjects: false, version: '1.1' });
  // YAML 1.1 reads NEL, LS and PS as line breaks, even inside quotes: such strings are double-quoted and the
  // characters escaped, so a value cannot be cut or folded by the reader
  let breaks = false;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && YAML11_BREAKS.test(node.value)) {
        node.type = 'QUOTE_DOUBLE';
        breaks = true;
      }
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  return breaks ? text.replace(/\u0085/g, '\\N').replace(/\u2028/g, '\\L').replace(/\u2029/g, '\\P') : text;
}

const YAML11_BREAKS = /[\u0085\u2028\u2029]/;

/** Writes a command's output to its stdout, resolving when the data is flushed. */
export function writeStdout(io: Io, text: string): Promise<void> {
  return writeTo(io.stdout, text);
}

/** A notice for people: stderr, never stdout. */
export function notice(io: Io, message: string): void {
  io.stderr.write(message.endsWith('\n') ? message : message + '\n');
}

/**
 * The one printer of a command's result: `-o json` prints `data` as JSON, `-o yaml` as YAML, any other format
 * (text, wide, name, a table) the command's own rendering of it.
 */
export async function printResult(io: Io, format: string | undefined, data: unknown, text: () => string | Promise<string>): Promise<void> {
  if (format === 'json') return writeTo(io.stdout, JSON.stringify(data, null, 2) + '\n');
  if (format === 'yaml') return writeTo(io.stdout, await yamlText(data));
  return writeTo(io.stdout, await text());
}

export { printable };

/**
 * Rows as an aligned table (the first row is the header): columns padded to their widest cell, `gap` spaces apart
 * (2, as kubectl; istioctl's proxy-config tables use 5 or 1), the last column unpadded; each line made printable.
 * Ends with a newline.
 */
export function formatTable(rows: string[][], gap = 2): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  const sep = ' '.repeat(gap);
  return rows.map((r) => printable(r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join(sep))).join('\n') + '\n';
}
