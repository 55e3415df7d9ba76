/**
 * Runs meshctl and captures what it prints: in process through an `Io` (`meshctl`), or as a user would, as a
 * process of its own (`runCli`: signals, pipes, terminals, the packaged program).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { testIo } from './io.js';

export const MESHCTL_BIN = fileURLToPath(new URL('../../../bin/meshctl.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `meshctl ...args` with optional stdin and extra environment. */
export function runCli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MESHCTL_BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // meshctl may stop reading early (an input over its size limit): that is not the test's error
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs `meshctl ...args` in this process, on captured streams (stdin from `input`), with `env` over the process's
 * environment. Library code that reads the process's environment by default (the kubeconfig client-node loads, the
 * cache and state directories) sees `env` too: it is set on process.env for the run and taken back after (the tests
 * of one file run one after another).
 */
export async function meshctl(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const io = testIo(opts);
  const saved = Object.fromEntries(Object.keys(io.env).map((k) => [k, process.env[k]]));
  // as a spawned process's environment: a variable given as undefined is unset, not the string "undefined"
  for (const [k, v] of Object.entries(io.env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const code = await main(args, io);
    return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
