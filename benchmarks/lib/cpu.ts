// CPU readings for the benchmarks: the whole process, its main thread alone, and the machine (steal, busy).
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICK_US = 10_000;

/** User + system CPU of the whole process (every thread), µs. */
export function processCpu(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * User + system CPU of the main thread alone, µs (10 ms resolution), from
 * /proc/self/task/{pid}/stat; `undefined` off Linux. Node 20 has no
 * process.threadCpuUsage(), and process.cpuUsage() also counts the libuv pool and GC helper threads.
 */
export function mainThreadCpu(): number | undefined {
  const fields = statFields(`/proc/self/task/${process.pid}/stat`);
  // utime and stime are fields 14 and 15 of stat(5), i.e. 12 and 13 after the `(comm)` field.
  return fields === undefined ? undefined : (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** The machine's CPU time so far, in ticks, summed over every core. */
export interface MachineCpu {
  readonly total: number;
  readonly busy: number;
  readonly steal: number;
}

/** The `cpu` line of /proc/stat; `undefined` off Linux. */
export function machineCpu(): MachineCpu | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, busy: user + nice + system + irq + softirq, steal };
}

/** The fields of a /proc stat file after its `(comm)` field, which may itself hold spaces. */
function statFields(path: string): string[] | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
