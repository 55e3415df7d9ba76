import { Argument, Command } from 'commander';

/** The parts of a command tree a completion script needs. */
export interface CompletionNode {
  name: string;
  flags: string[];
  children: CompletionNode[];
}

/** Reads the command tree of a commander program. */
export function completionTree(cmd: Command): CompletionNode {
  return {
    name: cmd.name(),
    flags: cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f))).concat('--help'),
    children: cmd.commands.map(completionTree),
  };
}

/** A completion script for bash, zsh or fish, completing subcommands and their flags. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', root: CompletionNode): string {
  const paths: { path: string[]; node: CompletionNode }[] = [];
  const walk = (node: CompletionNode, path: string[]): void => {
    paths.push({ path, node });
    node.children.forEach((c) => walk(c, [...path, c.name]));
  };
  walk(root, []);
  if (shell === 'fish') {
    const lines = ['# fish completion for meshctl', 'complete -c meshctl -f'];
    for (const { path, node } of paths) {
      const cond = path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${path[path.length - 1]}`;
      for (const c of node.children) lines.push(`complete -c meshctl -n '${cond}' -a '${c.name}'`);
      for (const f of node.flags) {
        lines.push(f.startsWith('--') ? `complete -c meshctl -n '${cond}' -l '${f.slice(2)}'` : `complete -c meshctl -n '${cond}' -s '${f.slice(1)}'`);
      }
    }
    return lines.join('\n') + '\n';
  }
  const cases = paths
    .map(({ path, node }) => `    "${path.join(' ')}") words="${[...node.children.map((c) => c.name), ...node.flags].join(' ')}" ;;`)
    .join('\n');
  const fn = `_meshctl_words() {
  # the subcommand path typed so far (words that are known subcommands, in order)
  local path="" w words
  for w in "$@"; do
    case "$w" in -*) ;; *) if _meshctl_has "$path" "$w"; then path="\${path:+$path }$w"; fi ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  echo "$words"
}
_meshctl_has() {
  local parent="$1" child="$2" words
  words=$(_meshctl_children "$parent")
  [[ " $words " == *" $child "* ]]
}
_meshctl_children() {
  case "$1" in
${paths.map(({ path, node }) => `    "${path.join(' ')}") echo "${node.children.map((c) => c.name).join(' ')}" ;;`).join('\n')}
  esac
}`;
  if (shell === 'bash') {
    return `# bash completion for meshctl
${fn}
_meshctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=( $(compgen -W "$(_meshctl_words "\${COMP_WORDS[@]:1:COMP_CWORD-1}")" -- "$cur") )
}
complete -F _meshctl meshctl
`;
  }
  return `#compdef meshctl
# zsh completion for meshctl
${fn}
_meshctl() {
  local -a words_list
  words_list=(\${(s: :)"$(_meshctl_words "\${(@)words[2,CURRENT-1]}")"})
  compadd -- $words_list
}
compdef _meshctl meshctl
`;
}

export function command(): Command {
  return new Command('completion')
    .description('Print a shell completion script for bash, zsh or fish.')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
Examples:
  source <(meshctl completion bash)
  meshctl completion zsh > "\${fpath[1]}/_meshctl"
  meshctl completion fish > ~/.config/fish/completions/meshctl.fish`)
    .action(async (shell: 'bash' | 'zsh' | 'fish', _opts: unknown, cmd: Command) => {
      const { writeStdout } = await import('../ui/output.js');
      await writeStdout(completionScript(shell, completionTree(cmd.parent!)));
    });
}
