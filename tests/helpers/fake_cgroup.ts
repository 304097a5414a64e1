/**
 * Fake cgroup trees in SLURM's layouts (v1 and v2) and a fake `/proc/<pid>/cgroup`, written
 * into a temp folder so the cgroup reader runs on known values.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** One task's cgroup in the fake tree. */
export interface FakeTask {
  rank: number;
  pids: number[];
  cpuSeconds: number;
  memoryBytes: number;
  memoryPeakBytes: number;
}

/** A fake SLURM job on one node. */
export interface FakeCgroupJob {
  version: 1 | 2;
  jobId: string;
  step?: string;
  uid?: number;
  tasks: FakeTask[];
}

/** Paths of a written fake tree. */
export interface FakeCgroupTree {
  cgroupRoot: string;
  procfsRoot: string;
  /** Path (inside the hierarchy) of each task's cgroup, by rank. */
  taskPaths: string[];
  /** Path of the job's cgroup inside the hierarchy. */
  jobPath: string;
  /** Sets a task's cumulative CPU seconds and memory, updating the job's totals. */
  update(rank: number, cpuSeconds: number, memoryBytes?: number): Promise<void>;
}

async function put(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
}

function cpuStat(seconds: number): string {
  const usec = Math.round(seconds * 1e6);
  const user = Math.round(usec * 0.7);
  return `usage_usec ${usec}\nuser_usec ${user}\nsystem_usec ${usec - user}\nnr_periods 0\n`;
}

/**
 * Writes a fake job tree under `root` (`root/cgroup`, `root/proc`), with `/proc/<pid>/cgroup`
 * for every task pid pointing at its task cgroup.
 *
 * @param root An empty temp folder.
 * @param job The job to lay out.
 * @returns Where things are, and a way to advance the counters.
 */
export async function writeFakeCgroupJob(
  root: string,
  job: FakeCgroupJob,
): Promise<FakeCgroupTree> {
  const cgroupRoot = join(root, "cgroup");
  const procfsRoot = join(root, "proc");
  const step = job.step ?? "0";
  const uid = job.uid ?? 10001;
  const tasks = job.tasks.map((t) => ({ ...t }));
  const jobPath = job.version === 2
    ? `/system.slice/slurmstepd.scope/job_${job.jobId}`
    : `/slurm/uid_${uid}/job_${job.jobId}`;
  const stepPath = `${jobPath}/step_${step}`;
  const taskPaths = tasks.map((t) =>
    job.version === 2 ? `${stepPath}/user/task_${t.rank}` : `${stepPath}/task_${t.rank}`
  );
  // slurmstepd's own process, outside the tasks, uses a little CPU too.
  const stepdCpuSeconds = 0.25;
  const stepdMemoryBytes = 1 << 20;

  async function writeCounters(): Promise<void> {
    const sumCpu = tasks.reduce((s, t) => s + t.cpuSeconds, 0) + stepdCpuSeconds;
    const sumMem = tasks.reduce((s, t) => s + t.memoryBytes, 0) + stepdMemoryBytes;
    const sumPeak = tasks.reduce((s, t) => s + t.memoryPeakBytes, 0) + stepdMemoryBytes;
    if (job.version === 2) {
      for (const [i, t] of tasks.entries()) {
        const dir = join(cgroupRoot, taskPaths[i]!);
        await put(join(dir, "cpu.stat"), cpuStat(t.cpuSeconds));
        await put(join(dir, "memory.current"), `${t.memoryBytes}\n`);
        await put(join(dir, "memory.peak"), `${t.memoryPeakBytes}\n`);
      }
      for (const path of [jobPath, stepPath]) {
        await put(join(cgroupRoot, path, "cpu.stat"), cpuStat(sumCpu));
        await put(join(cgroupRoot, path, "memory.current"), `${sumMem}\n`);
        await put(join(cgroupRoot, path, "memory.peak"), `${sumPeak}\n`);
      }
      return;
    }
    for (const [i, t] of tasks.entries()) {
      await put(
        join(cgroupRoot, "cpuacct", taskPaths[i]!, "cpuacct.usage"),
        `${Math.round(t.cpuSeconds * 1e9)}\n`,
      );
      const mem = join(cgroupRoot, "memory", taskPaths[i]!);
      await put(join(mem, "memory.usage_in_bytes"), `${t.memoryBytes}\n`);
      await put(join(mem, "memory.max_usage_in_bytes"), `${t.memoryPeakBytes}\n`);
    }
    for (const path of [jobPath, stepPath]) {
      await put(
        join(cgroupRoot, "cpuacct", path, "cpuacct.usage"),
        `${Math.round(sumCpu * 1e9)}\n`,
      );
      await put(join(cgroupRoot, "memory", path, "memory.usage_in_bytes"), `${sumMem}\n`);
      await put(join(cgroupRoot, "memory", path, "memory.max_usage_in_bytes"), `${sumPeak}\n`);
    }
  }

  await writeCounters();
  // Interior folders hold no processes (v2's no-internal-process rule); slurmstepd has its own.
  const controllerDirs = job.version === 2 ? [""] : ["cpuacct", "memory"];
  for (const controller of controllerDirs) {
    const base = join(cgroupRoot, controller);
    await put(join(base, jobPath, "cgroup.procs"), "");
    await put(join(base, stepPath, "cgroup.procs"), "");
    const stepd = job.version === 2 ? `${stepPath}/slurm` : `${stepPath}`;
    if (job.version === 2) await put(join(base, stepd, "cgroup.procs"), "4242\n");
    for (const [i, t] of tasks.entries()) {
      await put(join(base, taskPaths[i]!, "cgroup.procs"), t.pids.map((p) => `${p}\n`).join(""));
    }
  }
  for (const [i, t] of tasks.entries()) {
    for (const pid of t.pids) {
      const text = job.version === 2
        ? `0::${taskPaths[i]}\n`
        : `12:memory:${taskPaths[i]}\n4:cpu,cpuacct:${
          taskPaths[i]
        }\n1:name=systemd:/system.slice/slurmd.service\n`;
      await put(join(procfsRoot, String(pid), "cgroup"), text);
    }
  }
  return {
    cgroupRoot,
    procfsRoot,
    taskPaths,
    jobPath,
    async update(rank, cpuSeconds, memoryBytes) {
      const task = tasks.find((t) => t.rank === rank);
      if (!task) throw new Error(`no task ${rank}`);
      task.cpuSeconds = cpuSeconds;
      if (memoryBytes !== undefined) {
        task.memoryBytes = memoryBytes;
        task.memoryPeakBytes = Math.max(task.memoryPeakBytes, memoryBytes);
      }
      await writeCounters();
    },
  };
}
