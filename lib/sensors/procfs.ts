/**
 * The job's process tree and the machine's CPU time from procfs (`IMPACT_PROCFS_ROOT`, `/proc`
 * by default). The machine's CPU inventory is lib/sensors/cpu_inventory.ts.
 *
 * Each call walks the tree from the job's root PID (lib/sensors/procfs_tree.ts: new processes
 * found by PID range, children lists or a scan; CPU time from every live member's
 * `/proc/PID/stat` plus what the kernel accumulated in `cutime`/`cstime` for reaped children)
 * and measures its memory (lib/sensors/procfs_memory.ts: PSS at a slower cadence than CPU
 * time, within a budget). The parsers are lib/sensors/procfs_parse.ts.
 *
 * @module
 */

import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { JobUsage, SensorStatus, SystemCpu } from "../types.ts";
import { createPssTracker, pssCadence, type PssOptions } from "./procfs_memory.ts";
import { DEFAULT_CLOCK_TICKS, parseProcStat, parseSystemStat } from "./procfs_parse.ts";
import { createTreeWalker } from "./procfs_tree.ts";
import { unavailableStatus } from "./status.ts";
import { SensorError } from "./types.ts";

const SENSOR = "procfs";

/** Options of {@link createProcfsReader}. */
export interface ProcfsOptions {
  /** Clock ticks per second (USER_HZ): 100 unless the caller knows better. */
  clockTicksPerSecond?: number;
  /** What reading PSS may cost per call. */
  pss?: PssOptions;
}

/** Reads the job's tree and the machine's CPU time. */
export interface ProcfsReader {
  /**
   * Cumulative CPU time and current memory of `rootPid` and all its descendants: memory is
   * `pss` (with `estimatedProcesses` counting the processes whose PSS was not read yet) when
   * any process's smaps_rollup was readable, else `rss` (shared pages counted per process).
   *
   * Once the root is gone (this process waited for it), the tree's whole CPU time is in this
   * process's own `cutime`/`cstime`: the job's total is taken from there, covering the last
   * stretch after the final walk and a job shorter than one interval that no walk saw. That
   * figure also holds any other child this process reaped meanwhile, so it is taken once, at
   * the first call that finds the root gone, and bounded by every CPU busy since the last
   * walk (or since the first {@link ProcfsReader.systemCpu} call).
   */
  jobUsage(rootPid: number): Promise<JobUsage>;
  /** Cumulative machine CPU time. */
  systemCpu(): Promise<SystemCpu>;
  /** Whether /proc is readable; never throws. */
  probe(): Promise<SensorStatus>;
  /** Closes the files kept open between walks. Safe to call twice. */
  close(): void;
}

/**
 * Creates the procfs reader.
 *
 * @param runtime Where files are read.
 * @param paths Where /proc and /sys are.
 * @param options Clock ticks per second and the PSS budget.
 * @returns The reader.
 */
export function createProcfsReader(
  runtime: Runtime,
  paths: SystemPaths,
  options: ProcfsOptions = {},
): ProcfsReader {
  const proc = paths.procfsRoot;
  const clockTicks = options.clockTicksPerSecond ?? DEFAULT_CLOCK_TICKS;
  const tree = createTreeWalker(runtime, proc);
  const memory = createPssTracker(runtime, proc, options.pss);
  let cpus = 1;
  // This process's reaped-children time when the tree was last seen (or, before any walk saw
  // it, at the first systemCpu call), with the tree's total then.
  let lastSeen:
    | { reapedSeconds: number; cpuSeconds: number; ms: number; processes: number }
    | undefined;
  let treeSeen = false;
  let finalCpuSeconds: number | undefined;

  const reapedSeconds = async (): Promise<number | undefined> => {
    const path = join(proc, "self", "stat");
    try {
      const stat = parseProcStat(await runtime.readTextFile(path), path);
      return (stat.cutime + stat.cstime) / clockTicks;
    } catch {
      return undefined;
    }
  };

  /** The job's CPU seconds once its tree is gone: what arrived in our cutime/cstime. */
  const treeGoneCpuSeconds = (walked: number, reaped: number | undefined, nowMs: number) => {
    if (finalCpuSeconds !== undefined) return Math.max(walked, finalCpuSeconds);
    if (reaped === undefined || !lastSeen) return walked;
    // /proc/PID/stat gives each of utime, stime, cutime and cstime in whole ticks, rounded
    // down: a walk misses up to 4 ticks per live process (hundreds of short-lived processes
    // are mostly that), which the kernel's own sum, in ns, still holds.
    const truncated = (lastSeen.processes * 4) / clockTicks;
    const bound = lastSeen.cpuSeconds + truncated + ((nowMs - lastSeen.ms) / 1000) * cpus;
    finalCpuSeconds = Math.max(walked, Math.min(bound, reaped - lastSeen.reapedSeconds));
    return finalCpuSeconds;
  };

  return {
    async jobUsage(rootPid) {
      const { processes, ticks } = await tree.walk(rootPid);
      const reaped = await reapedSeconds();
      const nowMs = runtime.monotonicMs();
      let cpuSeconds = ticks / clockTicks;
      if (processes.size > 0) {
        treeSeen = true;
        if (reaped !== undefined) {
          lastSeen = { reapedSeconds: reaped, cpuSeconds, ms: nowMs, processes: processes.size };
        }
      } else {
        cpuSeconds = treeGoneCpuSeconds(cpuSeconds, reaped, nowMs);
      }
      const { estimatedProcesses, ...measured } = await memory.measure(processes);
      const usage: JobUsage = {
        cpuSeconds,
        ...measured,
        pids: [...processes.keys()].sort((a, b) => a - b),
      };
      if (measured.memoryKind === "pss") usage.estimatedProcesses = estimatedProcesses;
      return usage;
    },
    async systemCpu() {
      const path = join(proc, "stat");
      let cpu: SystemCpu;
      try {
        cpu = parseSystemStat(await runtime.readTextFile(path), clockTicks);
      } catch (error) {
        throw new SensorError(SENSOR, `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
      cpus = Math.max(1, cpu.cpus);
      if (!treeSeen && !lastSeen) {
        // The first call is the sampler's baseline, before the job starts: a job that ends
        // before any walk sees it is still found in our reaped-children time. (Later calls run
        // beside the walks: one after the job was reaped would hide it.)
        const reaped = await reapedSeconds();
        if (reaped !== undefined) {
          lastSeen = {
            reapedSeconds: reaped,
            cpuSeconds: 0,
            ms: runtime.monotonicMs(),
            processes: 0,
          };
        }
      }
      return cpu;
    },
    close: () => tree.close(),
    async probe() {
      const path = join(proc, "stat");
      try {
        const cpu = parseSystemStat(await runtime.readTextFile(path), clockTicks);
        return {
          sensor: SENSOR,
          available: true,
          methods: [],
          devices: [],
          detail: {
            procfsRoot: proc,
            clockTicksPerSecond: clockTicks,
            cpus: cpu.cpus,
            // PSS is read at a slower cadence than CPU time (lib/sensors/procfs_memory.ts).
            pss: pssCadence(options.pss),
          },
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
