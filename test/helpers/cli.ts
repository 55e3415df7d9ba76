/** Runs the built meshctl as a user would, and captures what it prints. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
