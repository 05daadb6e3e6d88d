import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

function procFile(pid: number | undefined, name: string): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Peak resident set size of a live process in bytes (VmHWM of /proc/<pid>/status), or undefined where
 * there is no /proc (not Linux) or the process is gone.
 */
export function peakRssBytes(pid: number | undefined): number | undefined {
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(procFile(pid, 'status') ?? '')?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/** CPU time (user + system, all threads) a live process has used so far, in seconds; undefined off Linux. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  const stat = procFile(pid, 'stat');
  if (stat === undefined) return undefined;
  // After the parenthesised command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
}

/**
 * CPU time the whole machine has spent busy so far (every core, user + nice + system + irq + softirq +
 * steal of /proc/stat), in seconds; undefined off Linux.
 */
export function machineBusySeconds(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const cpu = /^cpu\s+(.*)$/m.exec(stat)?.[1]?.split(/\s+/).map(Number);
  if (!cpu || cpu.length < 8) return undefined;
  const [user = 0, nice = 0, system = 0, _idle, _iowait, irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / USER_HZ;
}
