/**
 * A {@link UsageSource} over a job's cgroup: the job's CPU time and memory from the cgroup
 * (which sees daemonised children the process tree misses), the machine's busy CPU time
 * still from procfs.
 *
 * @module
 */
import type { CgroupReader } from "../sensors/cgroup.ts";
import type { JobUsage, UsageSource } from "../types.ts";

/**
 * Wraps a probed cgroup reader as the sampler's usage source. The cgroup's CPU time counts
 * from this call (a job cgroup may be older than this run), so take it just before sampling.
 *
 * @param reader A cgroup reader whose `probe()` succeeded.
 * @param system The source of the machine's CPU time (procfs).
 * @returns The usage source.
 * @throws {SensorError} When the cgroup cannot be read for the baseline.
 */
export async function cgroupUsageSource(
  reader: CgroupReader,
  system: Pick<UsageSource, "systemCpu">,
): Promise<UsageSource> {
  const baselineCpuSeconds = (await reader.read()).cpuSeconds;
  return {
    async jobUsage(): Promise<JobUsage> {
      const usage = await reader.read();
      return {
        cpuSeconds: Math.max(0, usage.cpuSeconds - baselineCpuSeconds),
        memoryBytes: usage.memoryBytes,
        memoryKind: "cgroup",
        pids: usage.pids,
      };
    },
    systemCpu: () => system.systemCpu(),
  };
}
