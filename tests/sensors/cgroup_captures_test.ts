// SLURM job cgroup trees captured on real nodes (tests/fixtures/, from shared/reference/hw/),
// read with the values a person reads in them.
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { createCgroupReader } from "../../lib/sensors/cgroup.ts";
import { readCapture } from "../helpers/captures.ts";
import { writeCapturedTree } from "../helpers/captured_tree.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** The capture's tree under `<dir>/cgroup`, and `/proc/<pid>/cgroup` for one task. */
async function node(dir: string, capture: string, pid: number, procCgroup: string) {
  const paths = { cgroupRoot: join(dir, "cgroup"), procfsRoot: join(dir, "proc") };
  const { text, source } = await readCapture(capture);
  match(source, /treydock\/cgroup_exporter/);
  await writeCapturedTree(text, paths.cgroupRoot);
  await Deno.mkdir(join(paths.procfsRoot, String(pid)), { recursive: true });
  await Deno.writeTextFile(join(paths.procfsRoot, String(pid), "cgroup"), procCgroup);
  return paths;
}

async function usageAt(
  paths: { cgroupRoot: string; procfsRoot: string },
  pid: number,
  level: "job" | "step" | "own",
) {
  const reader = createCgroupReader(denoRuntime, paths, { pid, level });
  const status = await reader.probe();
  equal(status.available, true, status.reason);
  return { location: reader.location()!, usage: await reader.read() };
}

Deno.test("capture: cgroup v2, SLURM job 4 from task 0 of step 0", async () => {
  await using dir = await tempDir();
  const paths = await node(
    dir.path,
    "cgroup_v2_slurm_job_tree_treydock.txt",
    49276,
    "0::/system.slice/slurmstepd.scope/job_4/step_0/user/task_0\n",
  );
  const job = await usageAt(paths, 49276, "job");
  equal(job.location.relative, "/system.slice/slurmstepd.scope/job_4");
  deepEqual(job.usage, {
    cpuSeconds: 0.126686, // usage_usec 126686
    memoryBytes: 5660672,
    memoryPeakBytes: 7229440,
    memoryKind: "cgroup",
    // slurmstepd (step_0/slurm, step_extern/slurm) and the tasks of both steps.
    pids: [49249, 49253, 49256, 49276, 49334],
  });
  const step = await usageAt(paths, 49276, "step");
  deepEqual(step.usage, {
    cpuSeconds: 0.131721,
    memoryBytes: 5300224,
    memoryPeakBytes: 5603328,
    memoryKind: "cgroup",
    pids: [49256, 49276, 49334],
  });
  const own = await usageAt(paths, 49276, "own");
  deepEqual(own.usage, {
    cpuSeconds: 0.110667,
    memoryBytes: 4063232,
    memoryPeakBytes: 4071424,
    memoryKind: "cgroup",
    pids: [49276, 49334],
  });
});

Deno.test("capture: cgroup v1, SLURM job 11 (cpuacct and memory mounted apart)", async () => {
  await using dir = await tempDir();
  const task = "/slurm/uid_20821/job_11/step_0/task_0";
  const paths = await node(
    dir.path,
    "cgroup_v1_slurm_job_tree_treydock.txt",
    177837,
    `11:memory:${task}\n4:cpuacct:${task}\n3:cpuset:${task}\n1:name=systemd:/system.slice/slurmd.service\n`,
  );
  const job = await usageAt(paths, 177837, "job");
  equal(job.location.relative, "/slurm/uid_20821/job_11");
  deepEqual(job.usage, {
    cpuSeconds: 33146.523011972, // cpuacct.usage is in ns
    memoryBytes: 6126714880,
    memoryPeakBytes: 8346267648,
    memoryKind: "cgroup",
    pids: [177773, 177788, 177819, 177820, 177837, 177838],
  });
  const step = await usageAt(paths, 177837, "step");
  deepEqual(step.usage, {
    cpuSeconds: 33145.604864551,
    memoryBytes: 6121259008,
    memoryPeakBytes: 8340803584,
    memoryKind: "cgroup",
    pids: [177837, 177838],
  });
});
