/** Running the built CLI in a pseudo-terminal (util-linux `script`), and a server that never answers: for tests of terminal behaviour. */
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { MESHCTL_BIN } from './cli.js';

export interface PtyRun {
  code: number | null;
  /** Everything the terminal received. */
  screen: string;
  /** Milliseconds from start to exit. */
  ms: number;
}

/**
 * Runs `meshctl ...args` in a pseudo-terminal 100 columns wide. `onScreen` sees the output as it arrives and
 * may type into the terminal. Ends the run (and fails) after `limitMs`.
 */
export function runInPty(
  args: string[], env: NodeJS.ProcessEnv, onScreen?: (screen: string, type: (keys: string) => void) => void,
  opts: { limitMs?: number; typeAfter?: { ms: number; keys: string }; typeWhen?: { ready: Promise<unknown>; keys: string } } = {},
): Promise<PtyRun> {
  const quoted = [process.execPath, MESHCTL_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const start = Date.now();
  const child = spawn('script', ['-qefc', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const type = (keys: string) => child.stdin.write(keys);
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.limitMs ?? 20_000);
  const typer = opts.typeAfter && setTimeout(() => type(opts.typeAfter!.keys), opts.typeAfter.ms);
  // a readiness marker rather than a time: the keys are typed once `ready` says the command got where it is tested
  void opts.typeWhen?.ready.then(() => { if (child.exitCode === null) type(opts.typeWhen!.keys); });
  child.stdout.on('data', (d) => {
    screen += d;
    onScreen?.(screen, type);
  });
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(killer);
    if (typer) clearTimeout(typer);
    resolve({ code, screen, ms: Date.now() - start });
  }));
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers (a hung mirror or apiserver);
 * `nextConnection` resolves when the next connection arrives (the client is then waiting for an answer).
 */
export async function silentServer(): Promise<{ server: Server; port: number; nextConnection(): Promise<void>; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  let waiting: (() => void)[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    const told = waiting;
    waiting = [];
    told.forEach((r) => r());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    server, port,
    nextConnection: () => new Promise<void>((r) => waiting.push(r)),
    close: () => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
}
