/**
 * meshctl's command line: builds the commander program. Each command module is imported only when that
 * command runs (or when the whole tree is needed, for help and completion), so offline commands never
 * load what they do not use.
 */
import { Command, CommanderError } from 'commander';
import { normalizeArgv } from './commands/argv.js';
import { describeError, ExitCode } from './ui/errors.js';
import { wrapHelpToTerminal } from './ui/help.js';
import { installInterruptHandling } from './ui/interrupt.js';
import { processIo, type Io } from './ui/io.js';
import { stopAllProgress } from './ui/progress.js';
import { VERSION } from './version.js';

interface CommandModule {
  /** The command, printing to and reading from `io`. */
  command(io: Io): Command;
}

/** Every command: its name and how to load it. */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  split: () => import('./commands/split.js'),
  route: () => import('./commands/route.js'),
  retry: () => import('./commands/retry.js'),
  timeout: () => import('./commands/timeout.js'),
  fault: () => import('./commands/fault.js'),
  mirror: () => import('./commands/mirror.js'),
  'circuit-break': () => import('./commands/circuit-break.js'),
  mtls: () => import('./commands/mtls.js'),
  authz: () => import('./commands/authz.js'),
  expose: () => import('./commands/expose.js'),
  cluster: () => import('./commands/cluster.js'),
  up: () => import('./commands/up.js'),
  down: () => import('./commands/down.js'),
  download: () => import('./commands/download.js'),
  install: () => import('./commands/install.js'),
  uninstall: () => import('./commands/uninstall.js'),
  profile: () => import('./commands/profile.js'),
  status: () => import('./commands/status.js'),
  inject: () => import('./commands/inject.js'),
  sample: () => import('./commands/sample.js'),
  addons: () => import('./commands/addons.js'),
  images: () => import('./commands/images.js'),
  dashboard: () => import('./commands/dashboard.js'),
  'proxy-config': () => import('./commands/proxy-config.js'),
  explain: () => import('./commands/explain.js'),
  test: () => import('./commands/test.js'),
  validate: () => import('./commands/validate.js'),
  analyze: () => import('./commands/analyze.js'),
  version: () => import('./commands/version.js'),
  completion: () => import('./commands/completion.js'),
};

/** Builds the program with the commands `argv` needs (all of them when it names none), writing to `io`. */
export async function buildProgram(argv: string[], io: Io): Promise<Command> {
  const program = new Command('meshctl')
    .description('Take a Kind cluster from nothing to a verified service mesh, and keep its traffic configuration honest.')
    .version(VERSION, '--version', 'print meshctl\'s version')
    .option('--verbose', 'print the cause chain of errors')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', `
Flags most commands take (also before the command, as kubectl's: meshctl -n bookinfo split …):
  -n, --namespace <ns>   the namespace (default: the context's)
  --context <name>       kubeconfig context; --kubeconfig <path> the file
  -o, --output <format>  yaml, json, … (each command's --help lists its formats)
  -A, --all-namespaces   every namespace (analyze)

Examples:
  meshctl split v1=90 v2=10 -n bookinfo --apply          # the service is inferred (reviews)
  meshctl split reviews v1=90 v2=10 | kubectl apply -f -
  meshctl route reviews --match header:end-user=jason --to v2 --default v1
  meshctl mtls strict --mesh-wide
  meshctl completion bash > /etc/bash_completion.d/meshctl`);
  const named = argv.find((a) => !a.startsWith('-'));
  // --version alone needs no command; a named command needs only itself; help and completion need them all
  const versionOnly = argv.length === 1 && argv[0] === '--version';
  const names = versionOnly ? [] : named !== undefined && named in COMMANDS && named !== 'completion' ? [named] : Object.keys(COMMANDS);
  const modules = await Promise.all(names.map((n) => COMMANDS[n]()));
  for (const m of modules) program.addCommand(m.command(io));
  // program options are positional (so a command may have its own --version); --verbose works everywhere
  // commander's own output (help, its usage errors) goes to `io` too; colour only ever on the process's terminal
  const output = {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    // (commander's type says number; its own default is undefined off a terminal, meaning no wrapping width)
    getOutHelpWidth: () => (io.stdout.isTTY ? io.stdout.columns : undefined) as number,
    getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
    ...(io.isProcess ? {} : { getOutHasColors: () => false, getErrHasColors: () => false }),
  };
  const prepare = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput(output);
    wrapHelpToTerminal(cmd);
    if (cmd !== program && !cmd.options.some((o) => o.long === '--verbose')) cmd.option('--verbose', 'print the cause chain of errors');
    cmd.commands.forEach(prepare);
  };
  prepare(program);
  return program;
}

/**
 * Runs meshctl with `argv` (without the node and script paths) on `io` (the process's streams by default) and
 * returns the exit code.
 */
export async function main(rawArgv: string[], io: Io = processIo()): Promise<number> {
  if (rawArgv[0] === '__complete') {
    // the completion scripts' question: taken before commander, which would parse the words as flags
    const { completionOutput, liveSources } = await import('./commands/completion.js');
    io.stdout.write(await completionOutput(await buildProgram([], io), rawArgv.slice(1), liveSources(io.env)));
    return io.exitCode;
  }
  const argv = normalizeArgv(rawArgv);
  const verbose = argv.includes('--verbose') || (argv[0] === 'analyze' && argv.includes('-v'));
  // signals, and a reader or terminal that goes away (EPIPE, EIO): the process's, when meshctl is the process
  if (io.isProcess) installInterruptHandling();
  try {
    const program = await buildProgram(argv, io);
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    // a spinner left running would keep the process alive (and the cursor hidden) after the error
    stopAllProgress();
    if (err instanceof CommanderError) {
      // commander has printed its message already; help and --version are not errors
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) || err.exitCode === 0;
      io.exitCode = ok ? ExitCode.Ok : ExitCode.Usage;
      return io.exitCode;
    }
    const { lines, exitCode } = describeError(err, verbose);
    io.stderr.write(lines.join('\n') + '\n');
    io.exitCode = exitCode;
  } finally {
    stopAllProgress();
  }
  return io.exitCode;
}
