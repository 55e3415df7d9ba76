/**
 * Shell completion, done the way cobra (kubectl, istioctl) does it: the script the shell loads asks
 * `meshctl __complete WORDS…` for candidates, so subcommands, flags, flag values (choices, profiles,
 * contexts and namespaces from the kubeconfig) and file names all come from one place.
 */
import { Argument, Command, Option } from 'commander';
import type { Io } from '../ui/io.js';

/** What the shell should complete: these words, or file names. */
export interface Completion {
  files: boolean;
  words: string[];
}

/** Flags whose value is a file or directory name. */
const FILE_FLAGS = new Set(['--kubeconfig', '--filename', '--from', '--crds', '--meshConfigFile']);
/** Commands whose positional arguments are paths. */
const PATH_COMMANDS = new Set(['analyze', 'validate']);

/** Sources of dynamic values, separated so that tests can give their own. */
export interface ValueSources {
  profiles(): Promise<string[]>;
  contexts(): Promise<string[]>;
  namespaces(): Promise<string[]>;
}

/**
 * The candidates for the last of `words` (the word being typed, possibly empty), given the words before it.
 * `words` excludes the program name.
 */
export async function complete(program: Command, words: string[], sources: ValueSources): Promise<Completion> {
  const cur = words.length > 0 ? words[words.length - 1] : '';
  let cmd = program;
  let pending: Option | undefined;
  let positionals = 0;
  for (const w of words.slice(0, -1)) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (w.startsWith('-')) {
      const opt = findOption(cmd, w.split('=')[0]);
      // a flag that needs a value takes the next word (unless given as --flag=value)
      if (opt?.required && !w.includes('=')) pending = opt;
      continue;
    }
    const child = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (child && positionals === 0) cmd = child;
    else positionals++;
  }
  const filter = (list: string[]) => ({ files: false, words: list.filter((x) => x.startsWith(cur)) });
  if (pending) return valuesFor(pending, sources).then((v) => (v === 'files' ? { files: true, words: [] } : filter(v)));
  if (cur.startsWith('-')) {
    return filter(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)).filter((f) => f.startsWith('--') || cur.length <= 2)).concat('--help'));
  }
  const children = cmd.commands.filter((c) => !c.name().startsWith('__')).map((c) => c.name());
  if (children.length > 0 && positionals === 0) return filter(children);
  const args = (cmd as unknown as { registeredArguments: readonly Argument[] }).registeredArguments;
  const arg = args[Math.min(positionals, args.length - 1)];
  const choices = (arg as unknown as { argChoices?: string[] } | undefined)?.argChoices;
  if (choices) return filter(choices);
  if (PATH_COMMANDS.has(cmd.name())) return { files: true, words: [] };
  return { files: false, words: [] };
}

function findOption(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const found = c.options.find((o) => o.long === flag || o.short === flag);
    if (found) return found;
  }
  return undefined;
}

async function valuesFor(opt: Option, sources: ValueSources): Promise<string[] | 'files'> {
  if (opt.argChoices) return opt.argChoices;
  if (opt.long && FILE_FLAGS.has(opt.long)) return 'files';
  switch (opt.long) {
    case '--profile': return sources.profiles();
    case '--context': return sources.contexts();
    case '--namespace': case '--root-namespace': case '--from-namespace': return sources.namespaces();
    default: return [];
  }
}

/** Values read from the kubeconfig `env` names and, for namespaces, the cluster (briefly; nothing when it does not answer). */
export const liveSources = (env: NodeJS.ProcessEnv): ValueSources => ({
  async profiles() {
    const { listProfiles } = await import('../mesh/istio/profiles.js');
    return (await listProfiles()).map((p) => p.name);
  },
  async contexts() {
    const config = await readKubeconfig(env);
    return (config?.contexts ?? []).map((c: any) => c?.name).filter((n: unknown): n is string => typeof n === 'string');
  },
  async namespaces() {
    const config = await readKubeconfig(env);
    const fromConfig = (config?.contexts ?? []).map((c: any) => c?.context?.namespace).filter((n: unknown): n is string => typeof n === 'string');
    let live: string[] = [];
    try {
      const { Kube } = await import('../cluster/kube.js');
      const kube = await Kube.connect({ timeoutMs: 2000 });
      live = (await kube.list('v1', 'Namespace')).map((n) => n.metadata.name);
    } catch {
      // completion never fails: without a cluster, the kubeconfig's namespaces are the candidates
    }
    return [...new Set([...live, ...fromConfig, 'default'])].sort();
  },
});

/** The kubeconfig meshctl writes and kubectl reads first (cluster/kubeconfig.ts reads it); nothing when it cannot be read. */
async function readKubeconfig(env: NodeJS.ProcessEnv): Promise<any> {
  const { kubeconfigPath, readKubeconfig: read } = await import('../cluster/kubeconfig.js');
  return read(kubeconfigPath(undefined, env)).catch(() => undefined);
}

/** A completion script for bash, zsh or fish that asks `meshctl __complete` for candidates. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  if (shell === 'fish') {
    return `# fish completion for meshctl
function __meshctl_complete
  set -l out (meshctl __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
  if test "$out[1]" = ":files"
    __fish_complete_path (commandline -ct)
  else
    printf '%s\\n' $out[2..-1]
  end
end
complete -c meshctl -f -a '(__meshctl_complete)'
`;
  }
  if (shell === 'bash') {
    return `# bash completion for meshctl
_meshctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out directive
  out=$(meshctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  directive=\${out%%$'\\n'*}
  if [[ "$directive" == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=( $(compgen -f -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "\${out#*$'\\n'}" -- "$cur") )
  fi
}
complete -F _meshctl meshctl
`;
  }
  return `#compdef meshctl
# zsh completion for meshctl
_meshctl() {
  local -a meshctl_out
  meshctl_out=("\${(@f)$(meshctl __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${meshctl_out[1]}" == ":files" ]]; then
    _files
  else
    compadd -- "\${(@)meshctl_out[2,-1]}"
  fi
}
compdef _meshctl meshctl
`;
}

export function command(io: Io): Command {
  return new Command('completion')
    .description('Print a shell completion script for bash, zsh or fish. It completes subcommands, flags, flag values\n' +
      '(choices, profiles, kubeconfig contexts, namespaces) and file names by asking meshctl itself.')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
Examples:
  source <(meshctl completion bash)
  meshctl completion zsh > "\${fpath[1]}/_meshctl"
  meshctl completion fish > ~/.config/fish/completions/meshctl.fish`)
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { writeStdout } = await import('../ui/output.js');
      await writeStdout(io, completionScript(shell));
    });
}

/** What `meshctl __complete WORDS…` prints for the scripts: `:files` or `:words`, then one candidate per line. */
export async function completionOutput(program: Command, words: string[], sources: ValueSources): Promise<string> {
  const result = await complete(program, words.length > 0 ? words : [''], sources);
  return [result.files ? ':files' : ':words', ...result.words].join('\n') + '\n';
}
