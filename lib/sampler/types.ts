/**
 * What the sampler needs to know about the job besides energy: its CPU time, memory and
 * processes, and the machine's busy CPU time (procfs on Linux, cgroup on SLURM).
 *
 * @module
 */

/** The job's process tree at one moment; CPU seconds are cumulative. */
export interface JobUsage {
  /** User + system CPU seconds of the whole tree, reaped children included. */
  cpuSeconds: number;
  memoryBytes: number;
  memoryKind: "pss" | "rss" | "cgroup";
  /** Live process ids of the tree (for matching GPU compute processes). */
  pids: number[];
}

/** The machine's CPU time at one moment; cumulative seconds summed over all CPUs. */
export interface SystemCpu {
  busySeconds: number;
  totalSeconds: number;
  cpus: number;
}

/** A source of job and system CPU figures (procfs reader, cgroup reader, fakes in tests). */
export interface UsageSource {
  /** The job's usage; `rootPid` is the tracked process. */
  jobUsage(rootPid: number): Promise<JobUsage> | JobUsage;
  /** The machine's CPU time. */
  systemCpu(): Promise<SystemCpu> | SystemCpu;
}
