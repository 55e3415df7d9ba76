/**
 * The layout README.md's "Layout" table states: each folder of src and the folders its code may import. Every
 * relative import of src is checked against it, and the table itself must have no cycle, so nothing imports upward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** The table: folder → the folders it may import ("leaves": src/assets.ts and src/version.ts). */
function layoutTable(): Map<string, string[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout\n'));
  const block = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const table = new Map<string, string[]>();
  for (const line of block.split('\n').filter((l) => l.startsWith('src/'))) {
    const names = line.split(/\s{2,}/)[0].split(' ').map((n) => n.replace(/^src\//, '').replace(/\/$/, ''));
    const imports = /imports: (.*)$/.exec(line);
    assert.ok(imports, `the Layout line of ${names.join(', ')} says what it may import`);
    const allowed = imports[1] === '-' ? [] : imports[1].split(',').map((s) => s.trim());
    const key = names.includes('assets.ts') ? 'leaves' : names[0];
    table.set(key, allowed);
  }
  return table;
}

/** The table folder a source file belongs to. */
function folderOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  if (rel.length === 1) return rel[0] === 'assets.ts' || rel[0] === 'version.ts' ? 'leaves' : rel[0];
  if (rel[0] === 'mesh' && (rel[1] === 'istio' || rel[1] === 'xds') && rel.length > 2) return `mesh/${rel[1]}`;
  return rel[0];
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

test('README Layout: every folder of src is in the table, and the table has no cycle (nothing imports upward)', () => {
  const table = layoutTable();
  const folders = new Set(sources(SRC).map(folderOf));
  for (const f of folders) assert.ok(table.has(f), `src/${f} is in the Layout table`);
  for (const [f, allowed] of table) for (const a of allowed) assert.ok(table.has(a), `${f} may import ${a}, which the table lists`);
  // depth-first search for a cycle in the allowed imports
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    assert.notEqual(state.get(f), 'open', `a cycle in the Layout table: ${[...path, f].join(' → ')}`);
    state.set(f, 'open');
    for (const a of table.get(f) ?? []) visit(a, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of table.keys()) visit(f, []);
});

test('every relative import in src is one the Layout table allows, and every import it allows is made', () => {
  const table = layoutTable();
  const refused: string[] = [];
  const used = new Set<string>();
  let checked = 0;
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts');
      const to = folderOf(target);
      checked++;
      used.add(`${from} → ${to}`);
      if (to !== from && !(table.get(from) ?? []).includes(to)) refused.push(`${relative(ROOT, file)} imports ${m[1]} (${from} → ${to})`);
    }
  }
  assert.ok(checked > 500, `the imports were read (${checked})`);
  assert.deepEqual(refused, []);
  // and the table says what the code does: an import it allows that nothing makes is taken out of it
  const unused = [...table].flatMap(([f, allowed]) => allowed.filter((a) => !used.has(`${f} → ${a}`)).map((a) => `${f} → ${a}`));
  assert.deepEqual(unused, [], 'imports the Layout table allows but no file makes');
});
