/**
 * The job's process tree and the machine's CPU time from procfs (`IMPACT_PROCFS_ROOT`, `/proc`
 * by default). The machine's CPU inventory is lib/sensors/cpu_inventory.ts.
 *
 * The tree is re-walked on every call from the job's root PID (through
 * `/proc/PID/task/TID/children`, or a scan of every `/proc/PID/stat` where the kernel lacks
 * CONFIG_PROC_CHILDREN), so children started and ended between reads are seen through their
 * parent's `cutime`/`cstime`.
 *
 * @module
 */

import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { JobUsage, SensorStatus, SystemCpu } from "../types.ts";
import { unavailableStatus } from "./status.ts";
import { SensorError } from "./types.ts";

const SENSOR = "procfs";
/** USER_HZ: 100 on every mainstream Linux build (x86_64, arm64). */
const DEFAULT_CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

/** Reads the job's tree and the machine's CPU time. */
export interface ProcfsReader {
  /**
   * Cumulative CPU time and current memory of `rootPid` and all its descendants: memory is
   * `pss` when every process's smaps_rollup was readable, else `rss` (shared pages counted
   * per process).
   */
  jobUsage(rootPid: number): Promise<JobUsage>;
  /** Cumulative machine CPU time. */
  systemCpu(): Promise<SystemCpu>;
  /**
   * CPU seconds of the children this process has waited for (`<procfs>/self/stat`
   * cutime+cstime). The tracker waits for the job, so this grows by the job's whole tree
   * time when it is reaped, including the last stretch after the final `jobUsage` read.
   */
  reapedChildrenCpuSeconds(): Promise<number>;
  /** Whether /proc is readable; never throws. */
  probe(): Promise<SensorStatus>;
}

/** Fields of `/proc/PID/stat` the reader uses (times in clock ticks). */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  starttime: number;
  rssPages: number;
}

/**
 * Parses `/proc/PID/stat`. `comm` may hold spaces and ')' so fields are split after the last ')'.
 *
 * @param text The file's content.
 * @param path The file, for error messages.
 * @returns The fields used for CPU time and the tree.
 * @example A command name with spaces and parentheses
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseProcStat } from "./procfs.ts";
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
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number, name: string) => {
    const value = Number(rest[n - 3]);
    if (rest[n - 3] === undefined || !/^\d+$/.test(rest[n - 3]!) || !Number.isSafeInteger(value)) {
      throw new Error(`Field ${n} (${name}) of ${path} is "${rest[n - 3]}", not a number`);
    }
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4, "ppid"),
    utime: field(14, "utime"),
    stime: field(15, "stime"),
    cutime: field(16, "cutime"),
    cstime: field(17, "cstime"),
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
 * import { parseSystemStat } from "./procfs.ts";
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

interface Member {
  starttime: number;
  ppid: number;
  /** utime+stime+cutime+cstime at the last read. */
  ticks: number;
}

/**
 * Creates the procfs reader.
 *
 * @param runtime Where files are read.
 * @param paths Where /proc and /sys are.
 * @param options Clock ticks per second (USER_HZ, 100 unless the caller knows better).
 * @returns The reader.
 */
export function createProcfsReader(
  runtime: Runtime,
  paths: SystemPaths,
  options: { clockTicksPerSecond?: number } = {},
): ProcfsReader {
  const proc = paths.procfsRoot;
  const clockTicks = options.clockTicksPerSecond ?? DEFAULT_CLOCK_TICKS;
  let members = new Map<number, Member>();
  let carriedTicks = 0;
  let reportedTicks = 0;
  let scanAll = false;

  const readStat = async (pid: number): Promise<ProcStat | undefined> => {
    const path = join(proc, String(pid), "stat");
    let text: string;
    try {
      text = await runtime.readTextFile(path);
    } catch {
      return undefined; // exited since it was listed
    }
    return parseProcStat(text, path);
  };

  const childrenOf = async (pid: number): Promise<number[] | undefined> => {
    try {
      const tids = await runtime.readDir(join(proc, String(pid), "task"));
      const lists = await Promise.all(
        tids.map((tid) => runtime.readTextFile(join(proc, String(pid), "task", tid, "children"))),
      );
      return lists.join(" ").split(/\s+/).filter((s) => s !== "").map(Number);
    } catch {
      // The process may have exited, or the kernel has no children files
      // (CONFIG_PROC_CHILDREN off): only the main thread's file tells them apart.
      const main = join(proc, String(pid), "task", String(pid), "children");
      const hasFile = await runtime.readTextFile(main).then(() => true, () => false);
      if (!hasFile && (await readStat(pid)) !== undefined) scanAll = true;
      return undefined;
    }
  };

  // Every process on the machine, for kernels without children files.
  const scan = async (): Promise<Map<number, ProcStat>> => {
    const pids = (await runtime.readDir(proc)).filter((n) => /^\d+$/.test(n)).map(Number);
    const stats = await Promise.all(pids.map(readStat));
    return new Map(stats.filter((s) => s !== undefined).map((s) => [s.pid, s]));
  };

  const walk = async (rootPid: number): Promise<Map<number, ProcStat>> => {
    // Start from the root and from every member still alive: a child whose parent exited
    // is re-parented outside the tree (to init or a subreaper) but is still the job's.
    const starts = [rootPid, ...members.keys()];
    const tree = new Map<number, ProcStat>();
    const all = scanAll ? await scan() : undefined;
    const kids = new Map<number, number[]>();
    if (all) {
      for (const s of all.values()) kids.set(s.ppid, [...kids.get(s.ppid) ?? [], s.pid]);
    }
    const queue = [...starts];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (tree.has(pid)) continue;
      const stat = all ? all.get(pid) : await readStat(pid);
      if (!stat) continue;
      const known = members.get(pid);
      if (known && known.starttime !== stat.starttime && pid !== rootPid) continue; // PID reused
      tree.set(pid, stat);
      const children = all ? kids.get(pid) : await childrenOf(pid);
      if (!all && scanAll) return walk(rootPid); // switched to scanning mid-walk
      queue.push(...(children ?? []));
    }
    return tree;
  };

  const memoryOf = async (pids: number[], tree: Map<number, ProcStat>) => {
    const pss = await Promise.all(pids.map(async (pid) => {
      try {
        const text = await runtime.readTextFile(join(proc, String(pid), "smaps_rollup"));
        const kib = /^Pss:\s+(\d+)\s*kB/m.exec(text)?.[1];
        return kib === undefined ? undefined : Number(kib) * 1024;
      } catch {
        return undefined;
      }
    }));
    if (pids.length > 0 && pss.every((v) => v !== undefined)) {
      return { memoryBytes: pss.reduce((a, b) => a + b, 0), memoryKind: "pss" as const };
    }
    const rss = await Promise.all(pids.map(async (pid) => {
      try {
        const text = await runtime.readTextFile(join(proc, String(pid), "status"));
        const kib = /^VmRSS:\s+(\d+)\s*kB/m.exec(text)?.[1];
        if (kib !== undefined) return Number(kib) * 1024;
      } catch {
        // fall through to the stat rss field
      }
      return (tree.get(pid)?.rssPages ?? 0) * PAGE_BYTES;
    }));
    return { memoryBytes: rss.reduce((a, b) => a + b, 0), memoryKind: "rss" as const };
  };

  return {
    async jobUsage(rootPid) {
      const tree = await walk(rootPid);
      const current = new Map<number, Member>();
      for (const s of tree.values()) {
        current.set(s.pid, {
          starttime: s.starttime,
          ppid: s.ppid,
          ticks: s.utime + s.stime + s.cutime + s.cstime,
        });
      }
      // A member that vanished was either waited for by an ancestor still in the tree (its
      // whole time is now in that ancestor's cutime/cstime, counted below) or reaped outside
      // the tree (re-parented to init/a subreaper): only then is its last-seen time carried.
      // Its chain of parents as last seen decides, so each tick is counted exactly once.
      // (A parent that ignores SIGCHLD gets no cutime for its children: that time is lost.)
      for (const [pid, gone] of members) {
        const alive = current.get(pid);
        if (alive && alive.starttime === gone.starttime) continue;
        let parent = members.get(gone.ppid) ? gone.ppid : undefined;
        let reapedInTree = false;
        const visited = new Set<number>();
        while (parent !== undefined && !visited.has(parent)) {
          visited.add(parent);
          const parentNow = current.get(parent);
          if (parentNow && parentNow.starttime === members.get(parent)?.starttime) {
            reapedInTree = true;
            break;
          }
          const up = members.get(parent)?.ppid;
          parent = up !== undefined && members.has(up) ? up : undefined;
        }
        if (!reapedInTree) carriedTicks += gone.ticks;
      }
      members = current;
      let ticks = carriedTicks;
      for (const m of current.values()) ticks += m.ticks;
      // Between a child's exit and its parent's wait the child's last interval is in neither
      // place; never report less than before.
      reportedTicks = Math.max(reportedTicks, ticks);
      const pids = [...tree.keys()].sort((a, b) => a - b);
      return { cpuSeconds: reportedTicks / clockTicks, ...await memoryOf(pids, tree), pids };
    },
    async systemCpu() {
      const path = join(proc, "stat");
      try {
        return parseSystemStat(await runtime.readTextFile(path), clockTicks);
      } catch (error) {
        throw new SensorError(SENSOR, `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
    },
    async reapedChildrenCpuSeconds() {
      const path = join(proc, "self", "stat");
      try {
        const stat = parseProcStat(await runtime.readTextFile(path), path);
        return (stat.cutime + stat.cstime) / clockTicks;
      } catch (error) {
        throw new SensorError(SENSOR, `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
    },
    async probe() {
      const path = join(proc, "stat");
      try {
        const cpu = parseSystemStat(await runtime.readTextFile(path), clockTicks);
        return {
          sensor: SENSOR,
          available: true,
          methods: [],
          devices: [],
          detail: { procfsRoot: proc, clockTicksPerSecond: clockTicks, cpus: cpu.cpus },
        };
      } catch (error) {
        return unavailableStatus(SENSOR, `Cannot read ${path}: ${messageOf(error)}`, {
          fix: "Run on Linux with /proc mounted, or set IMPACT_PROCFS_ROOT to where it is",
        });
      }
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
