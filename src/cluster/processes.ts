/**
 * Processes a local cluster started, known by identity rather than by name: a pid together with its start time (field 22
 * of /proc/PID/stat, in clock ticks since boot) and its owner. A pid that was reused after a reboot or by another program
 * has another start time, so a record of it never matches; nothing is ever signalled unless its record matches, never
 * pid 1 or lower, never another user's process, and a process group only when its leader is the recorded process.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** What identifies a process across pid reuse. */
export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks after boot (/proc/PID/stat field 22). */
  start: number;
}

interface ProcStat {
  state: string;
  pgid: number;
  start: number;
}

/** Fields of /proc/PID/stat (the command name, which may hold spaces and parentheses, skipped). */
function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field N is rest[N - 3]
    return { state: rest[0], pgid: Number(rest[2]), start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** Whether /proc is there (Linux); elsewhere a record is matched by its pid alone. */
const procfs = procStat(process.pid) !== undefined;

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The record of a running process (for the process itself: `recordOf(process.pid)`), or undefined. */
export function recordOf(pid: number): ProcessRecord | undefined {
  if (!procfs) return signalZero(pid) ? { pid, start: 0 } : undefined;
  const st = procStat(pid);
  return st ? { pid, start: st.start } : undefined;
}

/**
 * Whether the recorded process still runs as that same process, owned by this user: the pid is above 1, its start
 * time is the recorded one, it is not a zombie, and its owner is the current user.
 */
export function isRecordedProcess(rec: Partial<ProcessRecord> | undefined, uid = process.getuid?.() ?? 0): rec is ProcessRecord {
  if (!rec || !Number.isInteger(rec.pid) || (rec.pid as number) <= 1 || !Number.isInteger(rec.start)) return false;
  if (!procfs) return signalZero(rec.pid as number);
  const st = procStat(rec.pid as number);
  if (!st || st.start !== rec.start || st.state === 'Z') return false;
  try {
    return statSync(`/proc/${rec.pid}`).uid === uid;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to the recorded process (with `group`, to its process group, only when it leads that group) if the record
 * matches; false when it did not (the process has gone or is another one now).
 */
export function signalRecorded(rec: Partial<ProcessRecord> | undefined, signal: NodeJS.Signals, opts: { group?: boolean } = {}): boolean {
  if (!isRecordedProcess(rec)) return false;
  const leads = opts.group === true && procStat(rec.pid)?.pgid === rec.pid;
  try {
    process.kill(leads ? -rec.pid : rec.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The PID namespace of a process (`pid:[INODE]`), or undefined. */
export function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/**
 * Running processes (zombies aside) of the process group `pgid`. The kernel reuses no pid as a group id while the
 * group has members, so the members of a group a recorded leader started are that leader's, after it has gone too.
 */
export function processesInGroup(pgid: number): number[] {
  return runningProcesses().filter((pid) => procStat(pid)?.pgid === pgid);
}

/** Every process of /proc that is not a zombie. */
function runningProcesses(): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => { const st = procStat(pid); return st !== undefined && st.state !== 'Z'; });
}

/** Running processes (zombies aside) in the PID namespace `ns` (as `pidNamespace` gives it). */
export function processesInNamespace(ns: string): number[] {
  return runningProcesses().filter((pid) => pidNamespace(pid) === ns);
}

/** A process's command-line arguments (argv), or [] when it cannot be read. */
export function processArgs(pid: number): string[] {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return [];
  }
}

/** When a process started (epoch ms: the boot time plus its start in clock ticks, 100 a second), or undefined. */
export function processStartedAt(pid: number): number | undefined {
  const st = procStat(pid);
  if (!st) return undefined;
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(btime) ? btime * 1000 + st.start * 10 : undefined;
  } catch {
    return undefined;
  }
}
