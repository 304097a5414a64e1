/**
 * The job's CPU time and memory from the tracker's own cgroup, when that cgroup holds nothing
 * but the tracker as the run starts: under `systemd-run --scope`, in a SLURM task's cgroup. (A
 * container that sees its own cgroup as the root `/` is not taken: the root is told apart from
 * the machine's by nothing cheap.) Everything the job then starts lands in it, daemonised children
 * included, and reading it costs the same whatever the tree: cpu.stat (cpuacct.usage on v1),
 * memory.current and cgroup.procs, instead of a walk over every process.
 *
 * The cgroup also holds the tracker, which is left out: its own user and system time, and the
 * time of the helpers it waited for before the job ended (`cutime`/`cstime` of
 * `/proc/self/stat`, which from then on holds the job's own). Helpers still running count as
 * the job's (an nvidia-smi stream: a fraction of a percent of a core); so do those reaped after
 * the job ended. Its memory is the cgroup's charge (`memory.current`, page cache included) less
 * the tracker's resident set.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { JobUsage, SystemCpu, UsageSource } from "../types.ts";
import { type CgroupLocation, createCgroupReader } from "./cgroup.ts";
import { DEFAULT_CLOCK_TICKS, parseProcStat } from "./procfs_parse.ts";

const PAGE_BYTES = 4096;

/** A usage source over the tracker's own cgroup, and where that cgroup is. */
export interface OwnCgroup {
  usage: UsageSource;
  location: CgroupLocation;
}

/**
 * The tracker's own cgroup as the job's usage source, when it holds no other process.
 *
 * @param runtime Where files are read.
 * @param paths Where /proc and the cgroup mount are.
 * @param system The machine's CPU time (procfs).
 * @returns The source, or undefined when the tracker is in the root cgroup, shares its cgroup,
 * or the cgroup cannot be read.
 */
export async function ownCgroupUsage(
  runtime: Runtime,
  paths: Pick<SystemPaths, "cgroupRoot" | "procfsRoot">,
  system: Pick<UsageSource, "systemCpu">,
): Promise<OwnCgroup | undefined> {
  const reader = createCgroupReader(runtime, paths, { pid: "self", level: "own" });
  if (!(await reader.probe()).available) return undefined;
  const location = reader.location()!;
  const selfPath = join(paths.procfsRoot, "self", "stat");
  const self = async () => parseProcStat(await runtime.readTextFile(selfPath), selfPath);
  let start: { cgroupSeconds: number; trackerSeconds: number };
  let selfPid: number;
  // The helpers the tracker reaped: its cutime/cstime as long as the job's root was alive.
  let helpersSeconds: number;
  try {
    const [usage, stat, memoryPids] = await Promise.all([
      reader.read(),
      self(),
      reader.memoryPids(),
    ]);
    selfPid = stat.pid;
    if ([...usage.pids, ...memoryPids].some((pid) => pid !== selfPid)) return undefined;
    helpersSeconds = (stat.cutime + stat.cstime) / DEFAULT_CLOCK_TICKS;
    start = {
      cgroupSeconds: usage.cpuSeconds,
      trackerSeconds: (stat.utime + stat.stime) / DEFAULT_CLOCK_TICKS + helpersSeconds,
    };
  } catch {
    return undefined;
  }

  return {
    location,
    usage: {
      async jobUsage(rootPid): Promise<JobUsage> {
        const [usage, stat] = await Promise.all([reader.read(), self()]);
        const trackedIsSelf = rootPid === selfPid;
        if (usage.pids.includes(rootPid)) {
          helpersSeconds = (stat.cutime + stat.cstime) / DEFAULT_CLOCK_TICKS;
        }
        const trackerSeconds = trackedIsSelf
          ? 0
          : (stat.utime + stat.stime) / DEFAULT_CLOCK_TICKS + helpersSeconds;
        const cpuSeconds = usage.cpuSeconds - trackerSeconds -
          (start.cgroupSeconds - (trackedIsSelf ? 0 : start.trackerSeconds));
        return {
          // To the microsecond of cpu.stat: the differences of sums leave float dust.
          cpuSeconds: Math.max(0, Math.round(cpuSeconds * 1e6) / 1e6),
          memoryBytes: Math.max(
            0,
            usage.memoryBytes - (trackedIsSelf ? 0 : stat.rssPages * PAGE_BYTES),
          ),
          memoryKind: "cgroup",
          pids: trackedIsSelf ? usage.pids : usage.pids.filter((pid) => pid !== selfPid),
        };
      },
      systemCpu: (): Promise<SystemCpu> | SystemCpu => system.systemCpu(),
    },
  };
}
