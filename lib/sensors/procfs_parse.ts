/**
 * Parsers of the procfs files the process-tree reader uses: `/proc/PID/stat`, `/proc/stat`,
 * `/proc/loadavg`, `/proc/PID/status`, `/proc/PID/smaps_rollup` and the `children` lists.
 * Text in, values out; the reading is lib/sensors/procfs.ts.
 *
 * @module
 */
import type { SystemCpu } from "../types.ts";

/** USER_HZ: 100 on every mainstream Linux build (x86_64, arm64). */
export const DEFAULT_CLOCK_TICKS = 100;

/** Fields of `/proc/PID/stat` the reader uses (times in clock ticks). */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  /** Times of the children this process has waited for (and theirs, recursively). */
  cutime: number;
  cstime: number;
  /** Threads now in the process (field 20). */
  numThreads: number;
  /** Start time in ticks since boot: with the pid, the process's identity. */
  starttime: number;
  rssPages: number;
}

/**
 * Parses `/proc/PID/stat`. `comm` may hold spaces and ')' so fields are split after the last ')'.
 *
 * @param text The file's content.
 * @param path The file, for error messages.
 * @returns The fields used for CPU time, memory and the tree.
 * @example A command name with spaces and parentheses
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseProcStat } from "./procfs_parse.ts";
 *
 * const text = "42 (my (odd) job) S 1 42 42 0 -1 0 0 0 0 0 150 25 3 1 20 0 1 0 900 0 512";
 * const stat = parseProcStat(text, "/proc/42/stat");
 * equal(stat.comm, "my (odd) job");
 * equal(stat.utime + stat.stime, 175);
 * equal(stat.rssPages, 512);
 * ```
 */
export function parseProcStat(text: string, path: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`No "(comm)" field in ${path}`);
  // After the command the fields are separated by single spaces; rest[0] is field 3 (state),
  // field N is rest[N - 3]. (A split on " " costs a third of one on /\s+/, and a walk parses
  // this for every process of the tree every interval.)
  const rest = text.slice(close + 2).trimEnd().split(" ");
  const count = (raw: string | undefined, n: number, name: string) => {
    const value = Number(raw);
    // Decimal digits only: the kernel prints these fields unsigned, so a sign, an exponent or
    // a 400-digit value is a corrupt file, never a count.
    if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
      throw new Error(`Field ${n} (${name}) of ${path} is "${raw}", not a number`);
    }
    return value;
  };
  const field = (n: number, name: string) => count(rest[n - 3], n, name);
  return {
    pid: count(text.slice(0, open).trim(), 1, "pid"),
    comm: text.slice(open + 1, close),
    ppid: field(4, "ppid"),
    utime: field(14, "utime"),
    stime: field(15, "stime"),
    cutime: field(16, "cutime"),
    cstime: field(17, "cstime"),
    numThreads: field(20, "num_threads"),
    starttime: field(22, "starttime"),
    rssPages: field(24, "rss"),
  };
}

/**
 * Parses the aggregate `cpu` line and counts the per-CPU lines of /proc/stat.
 *
 * @param text The content of /proc/stat.
 * @param clockTicks Ticks per second (USER_HZ).
 * @returns Cumulative busy and total seconds and the CPU count.
 * @example Busy and total CPU time
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { parseSystemStat } from "./procfs_parse.ts";
 *
 * const text = "cpu  300 0 100 500 100 0 0 0 0 0\ncpu0 150 0 50 250 50 0 0 0 0 0\ncpu1 150 0 50 250 50 0 0 0 0 0\n";
 * deepEqual(parseSystemStat(text), { busySeconds: 4, totalSeconds: 10, cpus: 2 });
 * ```
 */
export function parseSystemStat(text: string, clockTicks = DEFAULT_CLOCK_TICKS): SystemCpu {
  const lines = text.split("\n");
  const cpuLine = lines.find((l) => /^cpu\s/.test(l));
  if (!cpuLine) throw new Error(`No aggregate "cpu" line in /proc/stat`);
  // user nice system idle iowait irq softirq steal; guest and guest_nice are inside user/nice.
  const ticks = cpuLine.trim().split(/\s+/).slice(1, 9).map((t) =>
    /^\d+$/.test(t) ? Number(t) : NaN
  );
  if (ticks.length < 4 || ticks.some((t) => !Number.isFinite(t))) {
    throw new Error(`Malformed "cpu" line in /proc/stat: "${cpuLine}"`);
  }
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return {
    busySeconds: (total - idle) / clockTicks,
    totalSeconds: total / clockTicks,
    cpus: lines.filter((l) => /^cpu\d+\s/.test(l)).length,
  };
}

/**
 * The machine's fork count since boot: the `processes` line of /proc/stat (every process and
 * thread created, each of which took a PID).
 *
 * @param text The content of /proc/stat.
 * @returns The count, or undefined when the line is missing.
 */
export function parseForkCount(text: string): number | undefined {
  const match = /^processes (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The PID most recently handed out (the last field of /proc/loadavg, in the reader's PID
 * namespace). PIDs are handed out in increasing order until they wrap at `pid_max`, so every
 * process created after this reading has a larger PID, until a wrap.
 *
 * @param text The content of /proc/loadavg, e.g. `0.20 0.18 0.12 1/80 11206`.
 * @returns The PID, or undefined when the line is not in that form.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseLastPid } from "./procfs_parse.ts";
 *
 * equal(parseLastPid("1.18 1.81 1.89 1/3215 14848\n"), 14848);
 * ```
 */
export function parseLastPid(text: string): number | undefined {
  const match = /^\S+ \S+ \S+ \d+\/\d+ (\d+)\s*$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The thread-group id of a task from `/proc/N/status`: N is a process when it equals N, a
 * thread of process Tgid otherwise (a thread's /proc/N is readable though not listed).
 *
 * @param text The content of /proc/N/status.
 * @returns The Tgid, or undefined when the line is missing.
 */
export function parseStatusTgid(text: string): number | undefined {
  const match = /^Tgid:\s+(\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Proportional set size from `/proc/PID/smaps_rollup`: each page the process maps, divided by
 * the number of processes mapping it.
 *
 * @param text The file's content.
 * @returns Bytes, or undefined when there is no Pss line (a zombie's file is empty).
 */
export function parsePssBytes(text: string): number | undefined {
  const kib = /^Pss:\s+(\d+)\s*kB/m.exec(text)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Parses a `/proc/PID/task/TID/children` list: PIDs separated by spaces, with a trailing one.
 *
 * @param text The file's content.
 * @returns The child PIDs.
 */
export function parseChildren(text: string): number[] {
  const pids: number[] = [];
  for (const word of text.split(" ")) {
    const trimmed = word.trim();
    if (trimmed !== "") pids.push(Number(trimmed));
  }
  return pids;
}
