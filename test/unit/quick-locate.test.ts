import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitDocuments, parseSource, type FieldPath } from '../../src/manifests/documents.js';
import { quickLine } from '../../src/manifests/quick-locate.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** Every path into a value (objects and lists), the value's own path included. */
function paths(v: unknown, base: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [base];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...base, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...base, k]));
  return out;
}

test('the quick line locator agrees with the careful parser wherever it answers, on every path of every fixture', async () => {
  let answered = 0;
  let asked = 0;
  for (const file of yamlFiles(FIXTURES)) {
    const text = readFileSync(file, 'utf8');
    const chunks = splitDocuments(text);
    for (const chunk of chunks) {
      const set = await parseSource(Buffer.from(chunk.text), file);
      if (set.problems.length > 0 || set.objects.length !== 1) continue;
      const { object, locate } = set.objects[0];
      for (const path of paths(object)) {
        asked++;
        const quick = quickLine(chunk.text.split('\n'), path);
        if (quick === undefined) continue;
        answered++;
        assert.equal(quick + 1, locate(path).line, `${file} (document at line ${chunk.line + 1}) ${JSON.stringify(path)}`);
      }
    }
  }
  assert.ok(answered > asked * 0.8, `answered ${answered} of ${asked}`);
});

test('the quick line locator declines what it cannot be sure of', () => {
  const lines = (t: string) => t.split('\n');
  assert.equal(quickLine(lines('a:\n  b: 1\n'), ['a', 'b']), 1);
  assert.equal(quickLine(lines('a:\n- x: 1\n- y: 2\n'), ['a', 1, 'y']), 2);
  assert.equal(quickLine(lines('a: {b: [1, 2]}\n'), ['a', 'b', 1]), 0);
  assert.equal(quickLine(lines('a: {b: [1,\n  2]}\n'), ['a', 'b', 1]), undefined, 'a flow collection over two lines');
  assert.equal(quickLine(lines('a: &x\n  b: 1\n'), ['a', 'b']), undefined, 'an anchor');
  assert.equal(quickLine(lines('a:\n\tb: 1\n'), ['a', 'b']), undefined, 'a tab');
  assert.equal(quickLine(lines('a: |\n  text\n'), ['a']), undefined, 'a block scalar');
  assert.equal(quickLine(lines('a:\n  b: 1\n'), ['a', 'c']), undefined, 'a field that is not there');
});
