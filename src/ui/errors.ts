/**
 * The one owner of meshctl's exit codes and of how failures reach the user.
 * Codes are istioctl-compatible and mean the same in every output format.
 */
import { printable } from './printable.js';
import { redactCredentials } from './redact.js';

export const ExitCode = {
  /** Everything worked. */
  Ok: 0,
  /** An unexpected error (a bug, or something meshctl did not foresee). */
  Unexpected: 1,
  /** A cluster or health check failed. */
  CheckFailed: 2,
  /** The command line was wrong: unknown flag, bad argument. */
  Usage: 64,
  /** An input file could not be read, parsed or is invalid. */
  InvalidInput: 65,
  /** Analysis found issues at or above the failure threshold. */
  AnalysisIssues: 79,
  /** Interrupted by Ctrl-C (128 + SIGINT), as a shell reports it. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: its message is one line saying what failed and what to do next. */
export class MeshctlError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue = ExitCode.Unexpected, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshctlError';
    this.exitCode = exitCode;
  }
}

/** A bad command line: exit 64. */
export class UsageError extends MeshctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
    this.name = 'UsageError';
  }
}

/** Input data that cannot be used (unparseable or invalid file): exit 65. */
export class InputError extends MeshctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.InvalidInput, options);
    this.name = 'InputError';
  }
}

/** Why a write failed when the disk has no room for it (a full disk, a quota), else undefined. */
export function noRoomReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'over the disk quota' : undefined;
}

/** A failed cluster or health check: exit 2. */
export class CheckFailedError extends MeshctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.CheckFailed, options);
    this.name = 'CheckFailedError';
  }
}

/**
 * The lines to print for an error: one line, plus the cause chain (and stack of unexpected errors) when
 * verbose. Credentials in URLs are taken out of every line, whichever part of meshctl wrote the message.
 */
export function describeError(err: unknown, verbose: boolean): { lines: string[]; exitCode: ExitCodeValue } {
  const exitCode = err instanceof MeshctlError ? err.exitCode : ExitCode.Unexpected;
  const first = err instanceof Error ? err.message : String(err);
  const lines = [`Error: ${firstLine(first)}`];
  if (!(err instanceof MeshctlError) && !verbose) {
    lines.push('  (an unexpected error; run again with --verbose for details)');
  }
  if (verbose) {
    let cause = err instanceof Error ? err.cause : undefined;
    while (cause !== undefined) {
      lines.push(`  caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    if (!(err instanceof MeshctlError) && err instanceof Error && err.stack) lines.push(err.stack);
  }
  // a message may carry a cluster's text (an admission webhook's, an event's): control characters are shown, not
  // sent, so it can neither drive the terminal nor start a line of its own (a forged CI annotation)
  const safe = (line: string) => (line === (err as Error)?.stack ? line : printable(line));
  return { lines: lines.map(safe).map(redactCredentials), exitCode };
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}
