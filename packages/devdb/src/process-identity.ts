import { readFileSync } from "node:fs";

/** Whether a process with this id exists (one of another user counts: signalling it is merely not permitted). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined where there is
 * no /proc. With the pid it names one process for good: a pid the system reused after a crash has another start.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** A process named by its pid and start time, so a reused pid is not taken for it. */
export interface ProcessIdentity {
  pid: number;
  startTime?: string;
}

export function currentProcess(): ProcessIdentity {
  const startTime = processStartTime(process.pid);
  return startTime === undefined ? { pid: process.pid } : { pid: process.pid, startTime };
}

/** Whether the process named is still running (and is the same one, where the start time can be checked). */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!Number.isInteger(identity.pid) || identity.pid <= 0 || !isProcessAlive(identity.pid)) return false;
  if (identity.startTime === undefined) return true;
  const now = processStartTime(identity.pid);
  return now === undefined || now === identity.startTime;
}
