/**
 * The line of a field in a block-style YAML document, found by indentation without parsing: what analysis
 * needs for a `file:line` reference, at a fraction of the cost of the careful parser. It answers only where it
 * is sure (block mappings and sequences, plain or simply quoted keys, a flow collection that closes on its own
 * line) and returns undefined otherwise, so the caller falls back to the careful parser.
 */
import type { FieldPath } from './documents.js';

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string) => /^\s*(#.*)?$/.test(line);

/** `key: rest` of a mapping entry line (key plain or simply quoted), or undefined. */
function entry(text: string): { key: string; rest: string } | undefined {
  const m = /^(?:"([^"\\]*)"|'([^']*)'|([^\s"'#&*!|>{[\-?:][^:#]*?|-[^\s:][^:#]*?))\s*:(?:\s+(.*))?$/.exec(text) ?? /^(?:"([^"\\]*)"|'([^']*)'|([^\s"'#&*!|>{[?:][^#]*?))\s*:$/.exec(text);
  if (!m) return undefined;
  return { key: m[1] ?? m[2] ?? m[3], rest: (m[4] ?? '').replace(/(^|\s+)#.*$/, '').trim() };
}

/** A flow collection that opens and closes on this text (quotes respected), so all of it is on one line. */
function flowClosesHere(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(i + 1).replace(/\s+#.*$/, '').trim() === '';
    } else if (c === '#' && depth === 0) return false;
  }
  return false;
}

/** A value that is plain enough to stop at (no anchors, aliases, tags, block scalars). */
const simpleValue = (rest: string) => !/^[&*!|>]/.test(rest);

/**
 * The 0-based line of `path` in `lines` (one document), or undefined when unsure. A block collection is found at
 * the line that names it, a scalar at its value, as the careful locator does.
 */
export function quickLine(lines: string[], path: FieldPath): number | undefined {
  if (lines.some((l) => l.includes('\t'))) return undefined;
  // the current node: the lines [from, to) that hold its entries, at indentation `indent`; `first` replaces the
  // text of line `from` (a sequence item's content after its dash)
  let from = 0;
  let to = lines.length;
  while (from < to && (isBlank(lines[from]) || /^---(\s|$)/.test(lines[from]) || lines[from].startsWith('%'))) from++;
  if (from >= to) return undefined;
  let indent = indentOf(lines[from]);
  let first: string | undefined;
  let at = from;
  const text = (i: number) => (i === from && first !== undefined ? first : lines[i]);
  for (let p = 0; p < path.length; p++) {
    const step = path[p];
    const last = p === path.length - 1;
    // the lines at this node's indentation, each starting an entry or an item
    const starts: number[] = [];
    for (let i = from; i < to; i++) {
      const t = text(i);
      if (isBlank(t)) continue;
      const ind = i === from && first !== undefined ? indent : indentOf(t);
      if (ind < indent) break;
      if (ind === indent) starts.push(i);
    }
    let found: number | undefined;
    let rest: string;
    if (typeof step === 'string') {
      for (const i of starts) {
        const e = entry(text(i).slice(indent));
        if (e?.key === step) {
          found = i;
          break;
        }
      }
      if (found === undefined) return undefined;
      rest = entry(text(found).slice(indent))!.rest;
    } else {
      const items = starts.filter((i) => /^-(\s|$)/.test(text(i).slice(indent)));
      if (items.length !== starts.length || step >= items.length) return undefined;
      found = items[step];
      rest = text(found).slice(indent + 1).trim();
    }
    // the end of this child: the next line at this node's indentation or less
    let end = found + 1;
    while (end < to && (isBlank(lines[end]) || indentOf(lines[end]) > indent)) end++;
    // a sequence under a key may sit at the key's own indentation
    if (typeof step === 'string' && rest === '') {
      while (end < to && !isBlank(lines[end]) && indentOf(lines[end]) === indent && /^-(\s|$)/.test(lines[end].slice(indent))) {
        end++;
        while (end < to && (isBlank(lines[end]) || indentOf(lines[end]) > indent)) end++;
      }
    }
    if (rest.startsWith('{') || rest.startsWith('[')) {
      // everything below is on this line when the collection closes here
      return flowClosesHere(rest) ? found : undefined;
    }
    if (!simpleValue(rest)) return undefined;
    if (last) {
      if (rest !== '') return found;
      // an empty value: a collection below is found at its key; a scalar on the next line is not looked for here
      let next = found + 1;
      while (next < end && isBlank(lines[next])) next++;
      if (next >= end) return typeof step === 'string' ? found : undefined;
      const below = lines[next].trimStart();
      return typeof step === 'string' && (/^-(\s|$)/.test(below) || entry(below)) ? found : undefined;
    }
    if (typeof step === 'number' && rest !== '') {
      // an item whose content starts on the dash's line: a mapping continues at the content's indentation
      if (!entry(rest)) return undefined;
      const content = text(found).indexOf(rest, indent + 1);
      from = found;
      to = end;
      indent = content;
      first = ' '.repeat(content) + rest;
      at = found;
      continue;
    }
    if (rest !== '') return undefined; // a scalar has no fields
    // the child's entries start on the next non-blank line
    let next = found + 1;
    while (next < end && isBlank(lines[next])) next++;
    if (next >= end) return undefined;
    from = next;
    to = end;
    indent = indentOf(lines[next]);
    first = undefined;
    at = found;
  }
  return at;
}
