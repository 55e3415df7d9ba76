/** A small line diff (longest common subsequence), unified-style without hunks: enough for short texts. */
export function lineDiff(a: string, b: string, nameA: string, nameB: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [`--- ${nameA}`, `+++ ${nameB}`];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push(`  ${x[i]}`);
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(`+ ${y[j++]}`);
    } else {
      out.push(`- ${x[i++]}`);
    }
  }
  return out.join('\n') + '\n';
}

/** `lineDiff` cut down to the changed lines and `context` lines around each, with `…` between the parts kept. */
export function changedLines(a: string, b: string, context = 2): string[] {
  const lines = lineDiff(a, b, '', '').split('\n').slice(2, -1);
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.startsWith('  ')) return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (keep[i]) out.push(l);
    else if (out.length > 0 && out[out.length - 1] !== '…' && keep.slice(i).some(Boolean)) out.push('…');
  });
  return out;
}

/**
 * A unified diff (`diff -u`, as `kubectl diff` prints it) of two texts: `---`/`+++` headers, then hunks of
 * the changed lines with `context` lines around them, each under its `@@ -a,n +b,m @@` header. Empty when the
 * texts are equal.
 */
export function unifiedDiff(a: string, b: string, nameA: string, nameB: string, context = 3): string {
  if (a === b) return '';
  if (a === '' || b === '') {
    // one side does not exist (an object created or deleted): every line of the other
    const text = (a || b).replace(/\n$/, '').split('\n');
    const mark = a === '' ? '+' : '-';
    return [`--- ${nameA}`, `+++ ${nameB}`, a === '' ? `@@ -0,0 +1,${text.length} @@` : `@@ -1,${text.length} +0,0 @@`, ...text.map((t) => `${mark}${t}`)].join('\n') + '\n';
  }
  // lineDiff's body: one entry per line of either text, marked ' ', '-' or '+'
  const marked = lineDiff(a.replace(/\n$/, ''), b.replace(/\n$/, ''), '', '').split('\n').slice(2, -1).map((l) => ({ mark: l[0], text: l.slice(2) }));
  // in each run of changed lines, the removed ones first, as diff -u prints them
  const lines: typeof marked = [];
  for (let i = 0; i < marked.length;) {
    if (marked[i].mark === ' ') {
      lines.push(marked[i++]);
      continue;
    }
    const run: typeof marked = [];
    while (i < marked.length && marked[i].mark !== ' ') run.push(marked[i++]);
    lines.push(...run.filter((l) => l.mark === '-'), ...run.filter((l) => l.mark === '+'));
  }
  const changed = lines.map((l, i) => (l.mark !== ' ' ? i : -1)).filter((i) => i !== -1);
  const out = [`--- ${nameA}`, `+++ ${nameB}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let end = Math.min(lines.length - 1, changed[k] + context);
    while (k + 1 < changed.length && changed[k + 1] - context <= end + 1) end = Math.min(lines.length - 1, changed[++k] + context);
    k++;
    // line numbers in each text where the hunk starts: lines before it that each text has
    const before = lines.slice(0, start);
    const oldStart = before.filter((l) => l.mark !== '+').length + 1;
    const newStart = before.filter((l) => l.mark !== '-').length + 1;
    const hunk = lines.slice(start, end + 1);
    const oldCount = hunk.filter((l) => l.mark !== '+').length;
    const newCount = hunk.filter((l) => l.mark !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`);
    for (const l of hunk) out.push(`${l.mark}${l.text}`);
  }
  return out.join('\n') + '\n';
}
