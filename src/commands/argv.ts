/**
 * kubectl-style command lines that commander alone would refuse: `-o=json` (a short option with `=`) and
 * cluster flags before the subcommand (`meshctl -n bookinfo split …`). Pure: returns the argv commander gets.
 */

/** Flags a kubectl user puts before the subcommand, and whether each takes a value. */
const LEADING_FLAGS: Record<string, boolean> = {
  '-n': true, '--namespace': true, '--kubeconfig': true, '--context': true, '-o': true, '--output': true,
  '-A': false, '--all-namespaces': false, '--verbose': false,
};

/**
 * Rewrites `-X=value` as `-X value`, and moves the flags in LEADING_FLAGS that stand before the subcommand to
 * the end of the command line (before any `--`), where the subcommand reads them. Anything else is left as it
 * is, so commander still reports unknown flags.
 */
export function normalizeArgv(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const tail = end === -1 ? [] : argv.slice(end);
  const split = head.flatMap((a) => (/^-[A-Za-z]=/.test(a) ? [a.slice(0, 2), a.slice(3)] : [a]));
  const hoisted: string[] = [];
  let i = 0;
  while (i < split.length) {
    const a = split[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq === -1 ? a : a.slice(0, eq);
    if (!(name in LEADING_FLAGS)) break;
    const takesValue = LEADING_FLAGS[name] && eq === -1;
    if (takesValue && i + 1 >= split.length) break;
    hoisted.push(...split.slice(i, takesValue ? i + 2 : i + 1));
    i += takesValue ? 2 : 1;
  }
  if (hoisted.length === 0 || i >= split.length) return [...split, ...tail];
  return [...split.slice(i), ...hoisted, ...tail];
}
