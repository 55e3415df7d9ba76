/**
 * Manifest documents with source positions, for validation and analysis: every object read from a file
 * remembers where it came from, and any field path can be turned into a line and column. Reading never
 * throws for bad content: what cannot be read becomes a problem with a position.
 */
import { constants as fsConstants, createReadStream, openSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { K8sObject } from './object.js';
import { quickLine } from './quick-locate.js';

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
  /** The line of a field, as `locate` gives it, found cheaply where the document's layout allows. */
  line?(path: FieldPath): number;
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
const overLimit = (bytes: number): string => `file is ${(bytes / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; split it`;
const MAX_ALIASES = 100;

/** Renders a field path as `spec.http[0].route[1].weight`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** One document's text within a stream, and the line (0-based) it starts on. */
interface Chunk {
  text: string;
  line: number;
}

/**
 * Splits a stream at its document markers. A `---` (or `...`) at the start of a line is always a document
 * boundary in YAML, even where a block scalar is open, so this is exact; streams with directives (`%`) are
 * left whole.
 */
export function splitDocuments(text: string): Chunk[] {
  if (/^%/m.test(text)) return [{ text, line: 0 }];
  const chunks: Chunk[] = [];
  const lines = text.split('\n');
  let start = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i === lines.length || /^---(\s|$)/.test(lines[i])) {
      chunks.push({ text: lines.slice(start, i).join('\n'), line: start });
      start = i;
    }
  }
  return chunks;
}

/** The anchors (`&name`) and aliases (`*name`) of a text, roughly: what the careful parser would resolve. */
const ANCHOR_OR_ALIAS = /(^|[\s,[{:-])[&*][^\s,\]}]/gm;

/** At most this many anchors and aliases in a document chunk (manifests use a handful). */
const MAX_ANCHORS_AND_ALIASES = 2000;

/** Anchors and aliases need the careful parser (alias-bomb limits); so do tags, which the fast one rejects anyway. */
const NEEDS_CAREFUL_PARSE = /(^|[\s,[{:-])[&*!][^\s,\]}]/m;

type YamlModule = typeof import('yaml');

/**
 * The careful parse of one chunk with the `yaml` library: exact positions for every node and for errors,
 * alias limits. Positions are shifted by the chunk's first line.
 */
function carefulParse(Y: YamlModule, chunk: Chunk, source: string): SourceSet & { locators: ((path: FieldPath, key?: boolean) => Position)[] } {
  const problems: SourceProblem[] = [];
  const objects: SourceObject[] = [];
  const locators: ((path: FieldPath, key?: boolean) => Position)[] = [];
  const lineCounter = new Y.LineCounter();
  const pos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + chunk.line, column: col };
  };
  // the parser's time grows with the square of the anchors and aliases (50,000 took minutes): a chunk with more
  // than manifests ever need is refused before it is parsed
  const marks = chunk.text.match(ANCHOR_OR_ALIAS)?.length ?? 0;
  if (marks > MAX_ANCHORS_AND_ALIASES) {
    return { objects, locators, problems: [{ source, line: chunk.line + 1, column: 1, message: `too many YAML anchors and aliases (${marks}, over ${MAX_ANCHORS_AND_ALIASES}): not read` }] };
  }
  let docs: any[];
  try {
    const parsed = Y.parseAllDocuments(chunk.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } catch (err) {
    return { objects, locators, problems: [{ source, line: chunk.line + 1, column: 1, message: err instanceof RangeError ? 'nesting too deep to parse' : `cannot parse: ${(err as Error).message.split('\n')[0]}` }] };
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ source, ...pos(e.pos[0]), message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') });
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
    const locate = (path: FieldPath, key = false): Position => {
      let node: any = doc.contents;
      let best = node;
      let keyNode: any;
      for (const p of path) {
        keyNode = undefined;
        if (Y.isMap(node)) {
          const pair: any = node.items.find((it: any) => Y.isPair(it) && (Y.isScalar(it.key) ? it.key.value : it.key) === p);
          if (!pair) break;
          keyNode = pair.key;
          node = pair.value;
        } else if (Y.isSeq(node) && typeof p === 'number' && node.items[p] !== undefined) {
          node = node.items[p];
        } else {
          break;
        }
        best = node ?? keyNode ?? best;
        if (!node) break;
      }
      // a block mapping or list is shown at its key (the line that names it), a scalar at its value
      const target = keyNode && (key || ((Y.isMap(best) || Y.isSeq(best)) && !(best as any).flow)) ? keyNode : best;
      return pos(target?.range?.[0] ?? doc.range[0]);
    };
    locators.push(locate);
    pushObject(objects, problems, asGoYamlReads(value, goYamlFlowScalars(chunk.text)) as K8sObject, source, locate);
  }
  return { objects, problems, locators };
}

/** Adds an object (List kinds unwrapped into their items) with its locator. */
/**
 * Plain scalars in flow collections that end in `:` right before `,`, `]` or `}` (`[1.2.3.4, 2001:db8::]`).
 * YAML 1.2, as js-yaml and yaml read it, ends such a scalar at that `:` and makes a one-key mapping; the
 * apiserver's go-yaml reads the whole run as one string. Returns those strings as go-yaml reads them.
 */
export function goYamlFlowScalars(text: string): Set<string> {
  const found = new Set<string>();
  if (!/:[,\]}]/.test(text)) return found;
  let depth = 0;
  let run = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
      run = '';
      continue;
    }
    if ((c === '"' || c === "'") && run.trim() === '') {
      // a quoted scalar: skip to its end
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === '\\') i++;
      continue;
    }
    if (c === '[' || c === '{') { depth++; run = ''; continue; }
    if (c === ']' || c === '}' || c === ',') {
      const scalar = run.trim();
      if (depth > 0 && /[^:\s]:+$/.test(scalar) && !/:\s/.test(scalar)) found.add(scalar);
      if (c !== ',') depth = Math.max(0, depth - 1);
      run = '';
      continue;
    }
    if (depth > 0) run = c === '\n' ? run + ' ' : run + c;
  }
  return found;
}

/** The value with the one-key mappings of `goYamlFlowScalars` in lists read back as go-yaml reads them: strings. */
function asGoYamlReads(value: unknown, scalars: Set<string>): unknown {
  if (scalars.size === 0 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const keys = Object.keys(item);
        if (keys.length === 1 && (item as Record<string, unknown>)[keys[0]] === null && scalars.has(`${keys[0]}:`)) return `${keys[0]}:`;
      }
      return asGoYamlReads(item, scalars);
    });
  }
  for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = asGoYamlReads(v, scalars);
  return value;
}

function pushObject(
  objects: SourceObject[], problems: SourceProblem[], obj: K8sObject, source: string, locate: (path: FieldPath, key?: boolean) => Position,
  line?: (path: FieldPath) => number,
): void {
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    obj.items.forEach((item: unknown, i: number) => {
      const at = (path: FieldPath, key?: boolean) => locate(['items', i, ...path], key);
      const lineAt = line && ((path: FieldPath) => line(['items', i, ...path]));
      if (item && typeof item === 'object' && !Array.isArray(item)) objects.push({ object: item as K8sObject, source, locate: at, line: lineAt });
      else problems.push({ source, ...at([]), message: 'a List item must be a mapping (a Kubernetes object)' });
    });
  } else {
    objects.push({ object: obj, source, locate, line });
  }
}

/**
 * Parses one stream of YAML/JSON documents. Each document is read with the fast js-yaml parser; its
 * positions are computed by the careful `yaml` parser only when something asks for them (a finding). A
 * document the fast parser refuses, or one with anchors, aliases or tags, is read carefully right away, so
 * errors always carry exact positions and alias bombs are refused.
 */
export async function parseSource(bytes: Buffer, source: string): Promise<SourceSet> {
  const at = (message: string, line = 1, column = 1) => ({ objects: [], problems: [{ source, line, column, message }] });
  if (bytes.length > MAX_FILE_BYTES) return at(overLimit(bytes.length));
  const nul = bytes.indexOf(0);
  if (nul !== -1) return at('binary file (it contains NUL bytes); expected YAML or JSON');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return at('not valid UTF-8; save the file as UTF-8');
  }
  const Y = await import('yaml');
  const { default: jsyaml } = await import('js-yaml');
  const set: SourceSet = { objects: [], problems: [] };
  for (const chunk of splitDocuments(text)) {
    let values: unknown[] | undefined;
    if (!NEEDS_CAREFUL_PARSE.test(chunk.text)) {
      try {
        values = jsyaml.loadAll(chunk.text, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });
      } catch {
        values = undefined; // the careful parser says what is wrong, and where
      }
    }
    const present = values?.filter((v) => v !== null && v !== undefined);
    if (!present || present.length > 1 || (present.length === 1 && (typeof present[0] !== 'object' || Array.isArray(present[0])))) {
      const careful = carefulParse(Y, chunk, source);
      set.objects.push(...careful.objects);
      set.problems.push(...careful.problems);
      continue;
    }
    if (present.length === 0) continue;
    let locator: ((path: FieldPath, key?: boolean) => Position) | undefined;
    const locate = (path: FieldPath, key?: boolean): Position => {
      locator ??= carefulParse(Y, chunk, source).locators[0] ?? (() => ({ line: chunk.line + 1, column: 1 }));
      return locator(path, key);
    };
    let lines: string[] | undefined;
    const line = (path: FieldPath): number => {
      const quick = quickLine((lines ??= chunk.text.split('\n')), path);
      return quick === undefined ? locate(path).line : quick + 1 + chunk.line;
    };
    pushObject(set.objects, set.problems, asGoYamlReads(present[0], goYamlFlowScalars(chunk.text)) as K8sObject, source, locate, line);
  }
  return set;
}

export const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Why a path cannot be read, in the words of its error code. */
function unreadableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ELOOP' ? 'too many levels of symbolic links'
    : code === 'ENOTDIR' ? 'a path component is not a directory'
    : (err as Error).message;
}

const unreadable = (path: string, err: unknown): string => `${path}: ${unreadableReason(err)}`;

/**
 * Files named by the paths: files as given, directories walked recursively for .yaml/.yml/.json; `-` is
 * stdin. What cannot be read (missing, denied, a dangling link) is listed in `unreadable`, one line each.
 */
export async function expandPaths(paths: string[]): Promise<{ files: string[]; unreadable: string[] }> {
  const files: string[] = [];
  const problems: string[] = [];
  // symbolic links are followed, as kubectl -R follows them; a directory already walked (a link loop) is not
  // walked again
  const walked = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      const real = await realpath(dir);
      if (walked.has(real)) return;
      walked.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push(unreadable(dir, err));
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (!MANIFEST_EXT.test(entry.name) && !entry.isDirectory() && !entry.isSymbolicLink()) continue;
      let target;
      try {
        target = entry.isSymbolicLink() ? await stat(p) : entry;
      } catch (err) {
        problems.push(unreadable(p, err)); // a dangling link: reported, never silently skipped
        continue;
      }
      if (target.isDirectory()) await walk(p);
      else if (!MANIFEST_EXT.test(entry.name)) continue;
      else if (target.isFile()) files.push(p);
      // a FIFO, socket or device among manifests would block or never end: named, not read
      else problems.push(`${p}: not a regular file`);
    }
  };
  for (const p of paths) {
    if (p === '-') {
      files.push(p);
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      problems.push(unreadable(p, err));
      continue;
    }
    if (st.isDirectory()) await walk(p);
    else files.push(p);
  }
  return { files, unreadable: problems };
}

/** Reads a stream up to the size limit: a larger one is stopped there, never held whole. */
async function readCapped(stream: NodeJS.ReadableStream & { destroy(): void }): Promise<Buffer | { problem: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    size += chunk.length;
    if (size > MAX_FILE_BYTES) {
      stream.destroy();
      return { problem: `${overLimit(size)} (stopped reading there)` };
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The bytes of one input, bounded: a regular file by its size, anything else (stdin, a FIFO, a device) read
 * as a stream up to the limit. A FIFO is opened without blocking and read through the event loop, so
 * waiting for its writer never holds a thread and Ctrl-C ends it.
 */
async function readInput(file: string): Promise<Buffer | { problem: string }> {
  if (file === '-') return readCapped(process.stdin);
  const st = await stat(file);
  if (st.isFile()) return st.size > MAX_FILE_BYTES ? { problem: overLimit(st.size) } : readFile(file);
  if (st.isFIFO() || st.isSocket()) {
    const { Socket } = await import('node:net');
    const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    return readCapped(new Socket({ fd, readable: true, writable: false }));
  }
  return readCapped(createReadStream(file));
}

/** What stdin held, read already (by the main thread, for work done in a worker): its bytes, or why it could not be read. */
export type StdinBytes = Buffer | Uint8Array | { problem: string };

/**
 * What stdin holds when `-` is among `paths` (read here, on the main thread, for work done in a worker, which has
 * no stdin of its own), or why it could not be read; undefined when stdin is not named.
 */
export async function stdinIfNamed(paths: string[], stdin: NodeJS.ReadableStream & { destroy(): void }): Promise<StdinBytes | undefined> {
  if (!paths.includes('-')) return undefined;
  return readCapped(stdin).catch((err): { problem: string } => ({ problem: `cannot read: ${unreadableReason(err)}` }));
}

/** Reads and parses every file (stdin for `-`, or what `stdin` says it held). */
export async function loadSources(files: string[], opts: { stdin?: StdinBytes } = {}): Promise<SourceSet> {
  const all: SourceSet = { objects: [], problems: [] };
  const given = opts.stdin && !('problem' in opts.stdin) ? Buffer.from(opts.stdin) : opts.stdin;
  const read = (file: string) => (file === '-' && given ? Promise.resolve(given) : readInput(file)).catch((err): { problem: string } => ({ problem: `cannot read: ${unreadableReason(err)}` }));
  // the next few files are read while one is parsed (in order, so messages and objects keep the files' order)
  const READ_AHEAD = 4;
  const pending = files.slice(0, READ_AHEAD).map(read);
  for (const [i, file] of files.entries()) {
    const bytes = await pending[i];
    if (i + READ_AHEAD < files.length) pending.push(read(files[i + READ_AHEAD]));
    if (!Buffer.isBuffer(bytes)) {
      all.problems.push({ source: file === '-' ? '<stdin>' : file, line: 1, column: 1, message: bytes.problem });
      continue;
    }
    const set = await parseSource(bytes, file === '-' ? '<stdin>' : file);
    // one at a time: spreading 100,000 objects into push() overflows the call stack
    for (const o of set.objects) all.objects.push(o);
    for (const p of set.problems) all.problems.push(p);
  }
  return all;
}
