import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** CPU time (user + system, all threads) a process has used so far, in microseconds; undefined where /proc is missing. */
export function processCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after "(comm) ": state is field 3, utime 14 and stime 15 (man 5 proc).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/**
 * CPU microseconds per completed request of each process while `run` goes: a measure of work per
 * request that, unlike latency, barely moves when other processes compete for the cores.
 */
export async function cpuPerRequest<T extends { completed: number }>(pids: Record<string, number | undefined>, run: () => Promise<T>): Promise<{ result: T; cpuMicrosPerRequest: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : processCpuMicros(pid)]));
  const result = await run();
  const cpuMicrosPerRequest: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const start = before[name];
    const end = pid === undefined ? undefined : processCpuMicros(pid);
    if (start === undefined || end === undefined || result.completed === 0) continue;
    cpuMicrosPerRequest[name] = (end - start) / result.completed;
  }
  return { result, cpuMicrosPerRequest };
}
